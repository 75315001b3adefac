/** The cluster's public face: lease decisions, owner-unique ids, the KV store adapter and the lease loop. */
export {
  epochOfTrack,
  globalEventId,
  globalTrackId,
  handoverEnd,
  jetstreamMsgId,
  localTrackId,
  MsgIds,
  stampOwner,
  TRACKS_PER_EPOCH,
  trackOpen,
} from './ids.js';
export {
  type KeeperHooks,
  type KeeperOptions,
  LeaseKeeper,
  type LeaseStore,
  type StopReason,
} from './keeper.js';
export {
  canRefresh,
  claimValue,
  epochOf,
  isFree,
  type Lease,
  type LeaseEntry,
  mustStop,
  ownerAt,
  pickClaims,
  refreshValue,
  releaseValue,
  shouldClaim,
} from './lease.js';
export {
  ClusterStore,
  type ClusterStoreOptions,
  isRevisionConflict,
  type OpenEvents,
  type StreamSpec,
} from './store.js';
