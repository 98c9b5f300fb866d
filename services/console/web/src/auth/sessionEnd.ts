// Why the operator was sent to sign in: so the sign-in page can say that their session ended
// rather than greet them as if they had just arrived.

let ended: string | undefined;

export function markSessionEnded(code: string | undefined): void {
  ended = code ?? "session_ended";
}

/** The reason, once: reading it clears it. */
export function takeSessionEnded(): string | undefined {
  const reason = ended;
  ended = undefined;
  return reason;
}
