/** Seeded generators for the fuzzers and the chaos test: the same seed gives the same cases, so a failure can be replayed. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}

export type Rng = ReturnType<typeof rng>;

/** Awkward strings: empty, huge, control characters, unicode, shell and path tricks, numbers that aren't. */
export const NASTY = [
  "",
  " ",
  "\t",
  "\n",
  "\u0000",
  "\u001b[31m",
  "\u202e",
  "é",
  "😀",
  "\ud800",
  "-",
  "--",
  "-1",
  "0",
  "1",
  "1e309",
  "NaN",
  "Infinity",
  "99999999999999999999",
  "0x10",
  "1.5",
  "true",
  "null",
  "~",
  "~/../../etc/passwd",
  "/etc/passwd",
  "../..",
  "$(touch /tmp/ccm-fuzz-pwned)",
  "`id`",
  "; rm -rf /",
  "a;b|c&d",
  "'",
  '"',
  "\\",
  "%s%n",
  "{}",
  "[]",
  '{"a":1}',
  "=",
  "--json",
  "--help",
];

export function nastyString(r: Rng): string {
  switch (r.int(4)) {
    case 0:
      return r.pick(NASTY);
    case 1:
      return r.pick(NASTY) + r.pick(NASTY);
    case 2:
      return "x".repeat(r.pick([1, 100, 5000, 70_000]));
    default:
      return String.fromCharCode(...Array.from({ length: r.int(20) }, () => r.int(0xffff)));
  }
}
