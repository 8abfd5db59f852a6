/**
 * Which of a layer's sorted, non-overlapping spans (form fields, JSON values, multipart parts,
 * protobuf strings) holds an offset: the one binary search that names where a match lies.
 */

/** Index i in [0, count) whose span [start(i), end(i)) holds `offset`, or -1. */
export function spanIndexAt(count: number, start: (i: number) => number, end: (i: number) => number, offset: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (offset < start(mid)) hi = mid - 1;
    else if (offset >= end(mid)) lo = mid + 1;
    else return mid;
  }
  return -1;
}
