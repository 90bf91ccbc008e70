/**
 * Runs tasks one after another per key, and tasks of different keys in parallel: Zep processes one graph's
 * requests in order anyway, and our episodes of one graph must land in the order we produced them.
 */
export class KeyedSerializer {
  private tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    // A failed task must not block the ones queued after it, hence the catch on the chain (not on the result).
    const result = previous.catch(() => undefined).then(task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    // Forget idle keys so a long-lived process does not keep one entry per graph forever.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with queued or running work (for tests and diagnostics). */
  get activeKeys(): string[] {
    return [...this.tails.keys()];
  }
}
