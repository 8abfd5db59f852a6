import crypto from 'node:crypto';

/** One item of the browser's home-screen news feed. */
export interface FeedItem {
  title: string;
  url: string;
}

// Made-up headlines: where Mi Browser's and Mint's feeds came from and what they showed is not
// published (findings.md F1 only says "news-feed items viewed" were sent). Each is completed with a
// random place and number, so two feeds never show the same titles.
const SUBJECTS = ['Monsoon rains', 'Local elections', 'Cricket final', 'Fuel prices', 'Metro line', 'Film festival', 'Tech fair', 'School results'];
const EVENTS = ['reach', 'return to', 'surprise', 'delay plans in', 'draw crowds in', 'shake up'];
const PLACES = ['Pune', 'Leeds', 'Surabaya', 'Porto', 'Cebu', 'Kraków', 'Medellín', 'Mysuru', 'Ghent', 'Tainan'];

function pick<T>(list: readonly T[]): T {
  return list[crypto.randomInt(list.length)]!;
}

/** A fresh feed of `count` items (a new one each time the app's process starts). */
export function makeFeed(count: number): FeedItem[] {
  return Array.from({ length: count }, () => {
    const id = crypto.randomBytes(6).toString('hex');
    return {
      title: `${pick(SUBJECTS)} ${pick(EVENTS)} ${pick(PLACES)} as ${crypto.randomInt(12, 9000)} ${pick(['gather', 'wait', 'sign up', 'vote', 'watch'])}`,
      // The article host is ours (example.org): the real feed's hosts are not published.
      url: `https://feed.example.org/article/${id}`,
    };
  });
}
