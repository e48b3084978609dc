export function findChromium(): string | null;
export function screenshot(
  html: string,
  png: string,
  options?: { width?: number; height?: number; trim?: boolean },
): { dom: string; width: number; height: number; inked: number };
