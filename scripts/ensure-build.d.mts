/** Why the build in `root` (default: this checkout) must be made again, or null when it is fresh. */
export function staleReason(root?: string): string | null;
/** Build when stale; true when it built. */
export function ensureBuild(): boolean;
