// Where to go back after signing in: a path of this app only, never another site.

/** The default page after sign-in. */
export const HOME = "/";

/**
 * `next` when it is a path on this origin (`/people?page=2`), else HOME. Refuses absolute
 * URLs, protocol-relative `//host`, back-slashes (`/\host`, which browsers read as `//host`)
 * and the sign-in page itself (no loop).
 */
export function safeNext(next: string | null | undefined): string {
  if (next === null || next === undefined) return HOME;
  if (!next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return HOME;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(next)) return HOME;
  try {
    const url = new URL(next, "http://console.invalid");
    if (url.origin !== "http://console.invalid") return HOME;
    if (url.pathname === "/sign-in") return HOME;
    return url.pathname + url.search + url.hash;
  } catch {
    return HOME;
  }
}

/** The sign-in page's URL that comes back to `here` afterwards. */
export function signInUrl(here: string): string {
  const next = safeNext(here);
  return next === HOME ? "/sign-in" : `/sign-in?next=${encodeURIComponent(next)}`;
}
