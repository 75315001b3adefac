/** One realistic example per message type: shown in docs/messages.md and validated by the tests. */
import type {
  AttentionEvent,
  AuSample,
  AuSummary,
  EmotionEvent,
  Engagement,
  RoomAggregate,
  RoomMoment,
  StreamStatus,
  TrackEvent,
} from '../types.js';
import type { MessageType } from './messages.js';

const au = {
  AU1: 0.08,
  AU2: 0.05,
  AU4: 0.03,
  AU5: 0.11,
  AU6: 0.81,
  AU9: 0.04,
  AU12: 0.92,
  AU15: 0.02,
  AU17: 0.1,
  AU20: 0.06,
  AU25: 0.64,
  AU26: 0.21,
};

const sample: AuSample = {
  v: 2,
  type: 'au',
  streamId: 'lecture-7',
  trackId: 3,
  seq: 372,
  ptsMs: 12400,
  au,
  model: 'mesh@1',
  decodedAt: 1764291660123,
  attention: {
    faces: 1,
    pose: { yaw: -8.2, pitch: -4.1, roll: 1.3 },
    offScreen: 0.33,
    onScreen: true,
    eyes: {
      right: 1.02,
      left: 0.97,
      openness: 0.995,
      closed: false,
      blinks: 4,
      blinkRate: 14.5,
      closedMs: 0,
      perclos: 0.03,
    },
    mouth: { open: 0.21, yawning: false, yawns: 0 },
  },
};

const away: AttentionEvent = {
  v: 2,
  type: 'attention',
  id: 'lecture-7:3:looking_away:18233',
  phase: 'start',
  streamId: 'lecture-7',
  trackId: 3,
  kind: 'looking_away',
  value: 1.42,
  peak: 1.42,
  startMs: 18233,
};
const awayEnd: AttentionEvent = { ...away, phase: 'end', value: 0.61, peak: 2.1, endMs: 22100 };
const absent: AttentionEvent = {
  ...away,
  id: 'lecture-7:-:absent:40100',
  trackId: null,
  kind: 'absent',
  value: 1,
  peak: 1,
  startMs: 40100,
};

const start: EmotionEvent = {
  v: 2,
  type: 'emotion',
  id: 'lecture-7:3:happiness:12400',
  phase: 'start',
  streamId: 'lecture-7',
  trackId: 3,
  emotion: 'happiness',
  confidence: 0.71,
  startMs: 12400,
  peak: 0.74,
  aus: { AU6: 0.62, AU12: 0.76 },
  missingAus: [],
};

const update: EmotionEvent = {
  ...start,
  phase: 'update',
  confidence: 0.86,
  peak: 0.86,
  aus: { AU6: 0.8, AU12: 0.89 },
};
const end: EmotionEvent = {
  ...start,
  phase: 'end',
  confidence: 0.31,
  peak: 0.86,
  endMs: 15100,
  aus: { AU6: 0.3, AU12: 0.32 },
};
const anger: EmotionEvent = {
  ...start,
  id: 'lecture-7:3:anger:20533',
  emotion: 'anger',
  startMs: 20533,
  confidence: 0.58,
  peak: 0.6,
  aus: { AU4: 0.66, AU5: 0.51 },
  missingAus: ['AU7', 'AU23'],
};

const status: StreamStatus = {
  v: 2,
  type: 'status',
  streamId: 'cam-2',
  state: 'reconnecting',
  atMs: 1764291702311,
  detail: 'no frames for 5000 ms',
  code: 'SOURCE_TIMEOUT',
  attempt: 2,
};

const track: TrackEvent = {
  v: 2,
  type: 'track',
  phase: 'start',
  streamId: 'lecture-7',
  trackId: 3,
  ptsMs: 11967,
};

const engagement: Engagement = {
  v: 2,
  type: 'engagement',
  streamId: 'lecture-7',
  trackId: 3,
  ptsMs: 30000,
  windowMs: 30000,
  score: 0.71,
  components: {
    presence: 0.97,
    onScreen: 0.88,
    eyesOpen: 0.96,
    expressiveness: 0.21,
    interest: 0.08,
    confusion: 0.12,
    yawning: 0,
    boredom: 0.09,
  },
};
const streamEngagement: Engagement = {
  ...engagement,
  trackId: null,
  score: 0.66,
  components: {
    presence: 1,
    onScreen: 0.8,
    eyesOpen: 0.95,
    expressiveness: 0.18,
    interest: 0.1,
    confusion: 0.15,
    yawning: 0.02,
    boredom: 0.16,
    tracks: 2,
  },
};

const summary: AuSummary = {
  v: 2,
  type: 'au_summary',
  streamId: 'lecture-7',
  trackId: 3,
  fromMs: 12000,
  toMs: 12967,
  samples: 30,
  mean: { ...au, AU6: 0.55, AU12: 0.68 },
  max: au,
  smoothed: { ...au, AU6: 0.78, AU12: 0.9 },
  present: ['AU6', 'AU12', 'AU25'],
};

const room: RoomAggregate = {
  v: 2,
  type: 'room',
  roomId: 'physics-9b',
  atMs: 1764291660000,
  windowMs: 10000,
  present: 3,
  attentive: 0.62,
  confused: 0.33,
  offScreen: 0.3,
  now: { attentive: 0.67, confused: 0.33, offScreen: 0.33 },
  engagementMean: 0.64,
  engagementSpread: 0.12,
  students: [
    { streamId: 'anna', trackId: 1, attentive: true, confused: false, onScreen: true, engagement: 0.78 },
    {
      streamId: 'ben',
      trackId: 1,
      attentive: true,
      confused: true,
      onScreen: true,
      engagement: 0.61,
      emotion: 'anger',
    },
    { streamId: 'carl', trackId: 2, attentive: false, confused: false, onScreen: false, engagement: 0.52 },
  ],
};
const moment: RoomMoment = {
  v: 2,
  type: 'room_moment',
  id: 'physics-9b:confused:1764291655000',
  phase: 'start',
  roomId: 'physics-9b',
  kind: 'confused',
  share: 0.33,
  peak: 0.33,
  startMs: 1764291655000,
};
const momentEnd: RoomMoment = { ...moment, phase: 'end', share: 0, peak: 0.67, endMs: 1764291702000 };

/** Examples per message type (the first is the one shown first). */
export const MESSAGE_EXAMPLES: Record<MessageType, readonly object[]> = {
  au: [sample],
  emotion: [start, update, end, anger],
  status: [status],
  track: [track],
  engagement: [engagement, streamEngagement],
  au_summary: [summary],
  attention: [away, awayEnd, absent],
  room: [room],
  room_moment: [moment, momentEnd],
};
