/**
 * Every Redis key falco-triage uses is built here. Lua scripts get them through KEYS,
 * except keys named by data a script reads itself (the incident a fingerprint maps to,
 * the id INCR gives, the current assignee): those it builds from `base`, with the
 * helpers in lua/includes/common.lua that spell them exactly as below
 * (docs/decisions/0001-keys-built-in-lua.md).
 *
 * All keys share one hash tag, `{<prefix>}`, so every key lands on the same Redis
 * Cluster slot and multi-key scripts stay legal there (the approach BullMQ takes
 * per queue). A deployment that outgrows one slot runs several prefixes.
 */
export class Keys {
  readonly base: string;

  constructor(prefix: string) {
    // "falco-triage:" -> "falco-triage:{ft}:" : the tag is derived from the prefix so
    // two bots with different prefixes land on different slots.
    const tag = prefix.replace(/[:{}]+$/g, '').replace(/[{}]/g, '') || 'ft';
    this.base = `${prefix}{${tag}}:`;
  }

  /** Stream of accepted alerts waiting for the incident engine. */
  get alertStream(): string {
    return `${this.base}alerts`;
  }
  /** Consumer group name on alertStream (not a key). */
  readonly alertGroup = 'incident-engine';

  /** Counter behind the human incident ids (FT-1, FT-2, ...). */
  get incidentSeq(): string {
    return `${this.base}seq:incident`;
  }
  /** Hash: one incident record. */
  incident(id: string): string {
    return `${this.base}incident:${id}`;
  }
  /** Stream: one incident's timeline (occurrence bursts, every state change). */
  timeline(id: string): string {
    return `${this.base}timeline:${id}`;
  }
  /** String: fingerprint -> id of the incident currently collecting that fingerprint. */
  fingerprint(fp: string): string {
    return `${this.base}fp:${fp}`;
  }
  /**
   * ZSET per fingerprint: event tag -> when it was counted (ms). Trimmed to the dedupe
   * window and to the newest DEDUPE_MAX_PER_FINGERPRINT tags, and expiring with the
   * window, so its size does not grow with alert volume (docs/decisions/0002-bounded-dedupe.md).
   */
  dedupe(fp: string): string {
    return `${this.base}dedupe:${fp}`;
  }
  /** String: when the next periodic job of this name is due (ms), shared by all replicas. */
  turn(job: string): string {
    return `${this.base}turn:${job}`;
  }

  /**
   * String with an expiry at the end of its timestamp's five-minute window: a signed
   * Slack request already served (http/slack-request-guard.ts refuses it again).
   */
  slackSignature(signatureHex: string): string {
    return `${this.base}slack-sig:${signatureHex}`;
  }

  /** ZSET of open (unresolved) incidents, score = priority rank * 1e13 + first seen ms. */
  get openByPriority(): string {
    return `${this.base}idx:open`;
  }
  /** ZSET of resolved incidents, score = resolved at (ms); drives retention. */
  get resolvedByTime(): string {
    return `${this.base}idx:resolved`;
  }
  /** ZSET of an assignee's unresolved incidents, score = first seen ms. */
  byAssignee(userId: string): string {
    return `${this.base}idx:assignee:${userId}`;
  }
  /** ZSET of a rule's incidents (any state), score = last seen ms. */
  byRule(rule: string): string {
    return `${this.base}idx:rule:${rule}`;
  }

  /** ZSET outbox: incident id -> when its Slack message is due to be posted or updated (ms). */
  get outboxDue(): string {
    return `${this.base}outbox:due`;
  }
  /**
   * ZSET: incident id -> until when a publisher holds its outbox item (ms). While held,
   * a click marks the incident urgent instead of making the item due again, so no
   * second replica renders the same message concurrently.
   */
  get outboxLeases(): string {
    return `${this.base}outbox:leases`;
  }
  /**
   * ZSET per channel: outbox items due now, score = priority rank * 1e13 + item number,
   * so the most severe, then the oldest, is written first (claimReady-4.lua).
   */
  outboxReady(channel: string): string {
    return `${this.base}outbox:ready:${channel}`;
  }
  /** ZSET of the channels that have ready items (bounded by the channels alerts route to). */
  get outboxChannels(): string {
    return `${this.base}outbox:channels`;
  }
  /** Hash: channel -> the item it has out on a lease (one at a time per channel). */
  get outboxHeld(): string {
    return `${this.base}outbox:held`;
  }
  /** String: the next free posting slot (ms) of a channel, shared by all replicas. */
  channelPace(channel: string): string {
    return `${this.base}pace:${channel}`;
  }
  /** Hash: Slack message ts -> incident id, so a click or thread reply finds its incident. */
  get messageIndex(): string {
    return `${this.base}msg`;
  }
  /**
   * Hash: incident id -> JSON of the keys and fields that name it elsewhere (rule,
   * fingerprint, Slack messages). Outlives the incident hash's expiry, so the purge
   * can still find the index entries to remove.
   */
  get incidentRefs(): string {
    return `${this.base}refs`;
  }
  /** List, at most STORM_THRESHOLD + 1 long, with a TTL: when the channel's newest incidents were opened. */
  stormRate(channel: string): string {
    return `${this.base}storm-rate:${channel}`;
  }
  /** String: the id of the channel's storm in progress (absent when there is none). */
  channelStorm(channel: string): string {
    return `${this.base}storm-of:${channel}`;
  }
  /** Counter behind the storm ids (STORM-1, ...). */
  get stormSeq(): string {
    return `${this.base}seq:storm`;
  }
  /** ZSET of storms in progress, score = started at (ms): the sweeper closes them. */
  get openStorms(): string {
    return `${this.base}idx:storms`;
  }
  /** Hash: one storm's digest (counts, times, message). Expires after the storm closes. */
  storm(id: string): string {
    return `${this.base}storm:${id}`;
  }
  /** ZSET: the storm's incidents, score = incident number. Expires with the storm. */
  stormMembers(id: string): string {
    return `${this.base}storm:${id}:members`;
  }
  /** Hash: the storm's incidents ("i:<value>") and alerts ("a:<value>") by rule, ns or host. */
  stormCounts(id: string, dim: 'rule' | 'ns' | 'host'): string {
    return `${this.base}storm:${id}:by:${dim}`;
  }
  /** Stream: what people did to the whole storm, posted in the digest's thread. */
  stormTimeline(id: string): string {
    return `${this.base}storm:${id}:timeline`;
  }
  /** Counter behind the silence ids (MUTE-1, ...). */
  get silenceSeq(): string {
    return `${this.base}seq:silence`;
  }
  /** ZSET of active silences, score = when each ends (ms). */
  get activeSilences(): string {
    return `${this.base}idx:silences`;
  }
  /** Hash: one silence (what it matches, who, why, until when, what it swallowed). */
  silence(id: string): string {
    return `${this.base}silence:${id}`;
  }
  /**
   * Set with a TTL of a day: the incident versions whose raw alert was attached to its
   * thread. One key per incident, so the purge can delete it by id.
   */
  rawAttached(id: string): string {
    return `${this.base}raw:${id}`;
  }
}
