// Ids for rows written with raw SQL on hot paths, where Prisma's client-side @default(cuid()) does not run.
// Same alphabet and length as a cuid (25 characters: "c", time, counter, randomness), roughly time-ordered,
// unique across processes by the random part. Ids are only ever compared for equality or as a tiebreak.
import { randomBytes } from "node:crypto";

let counter = 0;

export function newId(): string {
  counter = (counter + 1) % 36 ** 4;
  const time = Date.now().toString(36).padStart(8, "0").slice(-8);
  const count = counter.toString(36).padStart(4, "0");
  const random = BigInt(`0x${randomBytes(8).toString("hex")}`).toString(36).padStart(12, "0").slice(-12);
  return `c${time}${count}${random}`;
}
