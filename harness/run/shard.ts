import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';

/** `--shard i/n`: the i-th of n slices (1-based), as CI matrices number their jobs. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `i/n`; any other text is a one-line usage error naming the option. */
export function parseShard(text: string, option = '--shard'): Shard {
  const m = /^\s*(\d{1,4})\s*\/\s*(\d{1,4})\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UsageError(`${option} must be i/n with 1 <= i <= n (e.g. --shard 1/2), got '${text}'`);
  }
  return { index, count };
}

/**
 * The items of one shard. Items are ordered by a hash of their key (not by input order, which
 * may differ between CI jobs), then dealt out round-robin, so shards 1/n … n/n hold every item
 * exactly once and differ in size by at most one. Keys must be unique: a repeated key would land
 * in one shard twice and is refused.
 */
export function selectShard<T>(items: readonly T[], shard: Shard, keyOf: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, key: keyOf(item) }));
  const seen = new Set<string>();
  for (const { key } of keyed) {
    if (seen.has(key)) throw new UsageError(`cannot shard: two items share the key '${key.slice(0, 200)}' (test titles must be unique within a suite and phone)`);
    seen.add(key);
  }
  const ordered = keyed
    .map((k) => ({ ...k, order: createHash('sha256').update(k.key).digest('hex') }))
    .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  return ordered.filter((_, i) => i % shard.count === shard.index - 1).map((k) => k.item);
}

export function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
