import type { Unitwork } from "../../src";

/** What each section of the demo tour gets: the unitwork and a few printing helpers. */
export interface Tour {
  uw: Unitwork;
  /** The database URL the tour runs on. */
  url: string;
  /** A numbered heading for a section. */
  heading(title: string): void;
  /** One line of narration. */
  say(text: string): void;
  /** Prints a value indented, as JSON where it is an object. */
  show(label: string, value: unknown): void;
}

export type TourSection = (tour: Tour) => Promise<void>;

let sectionNumber = 0;

export function makeTour(uw: Unitwork, url: string): Tour {
  return {
    uw,
    url,
    heading(title) {
      sectionNumber += 1;
      process.stdout.write(`\n\x1b[1m${sectionNumber}. ${title}\x1b[0m\n`);
    },
    say(text) {
      process.stdout.write(`   ${text}\n`);
    },
    show(label, value) {
      const text = typeof value === "string" ? value : JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v), 2);
      process.stdout.write(`   ${label}: ${text.split("\n").join("\n   ")}\n`);
    },
  };
}
