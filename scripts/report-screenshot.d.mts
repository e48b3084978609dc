export function findChromium(): string | null;
export function screenshot(
  html: string,
  png: string,
  size?: { width?: number; height?: number },
): { dom: string; width: number; height: number; inked: number };
