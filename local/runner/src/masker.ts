/** The runner's masker: every registered value (and its multi-line parts) is replaced by `***`. */
export class Masker {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (!value) return;
    const trimmed = value.trim();
    if (trimmed.length < 1) return;
    this.values.add(trimmed);
    for (const part of trimmed.split(/\r?\n/)) if (part.trim().length > 1) this.values.add(part.trim());
  }

  mask(text: string): string {
    if (this.values.size === 0 || !text) return text;
    let result = text;
    // Longest first, so a value containing another is replaced whole.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) result = result.split(value).join('***');
    return result;
  }
}
