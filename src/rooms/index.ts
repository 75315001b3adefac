/** Public face of the rooms stage: room aggregates and moments over the students of a room's streams. */
export {
  meanSpread,
  RoomAggregator,
  type RoomOptions,
  type RoomSnapshot,
  type StudentState,
  share,
} from './aggregate.js';
