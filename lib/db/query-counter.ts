// Counts the SQL statements issued inside a scope (a page render, a test). Used by the test that proves a
// page's query count does not grow with the number of rows it lists.
import { AsyncLocalStorage } from "node:async_hooks";

const scope = new AsyncLocalStorage<{ count: number }>();

export function countQuery(): void {
  const counter = scope.getStore();
  if (counter) counter.count += 1;
}

export async function countQueries<T>(fn: () => Promise<T>): Promise<{ result: T; queries: number }> {
  const counter = { count: 0 };
  // Prisma queries are lazy: they run when awaited, so the await must happen inside the scope.
  const result = await scope.run(counter, async () => await fn());
  return { result, queries: counter.count };
}
