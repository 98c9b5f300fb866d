// Why the operator was sent to sign in: so the sign-in page can say that their session ended
// rather than greet them as if they had just arrived.

let ended: string | undefined;

/** The reason when the operator signed out themselves. */
export const SIGNED_OUT = "signed_out";

export function markSessionEnded(code: string | undefined): void {
  ended = code ?? "session_ended";
}

/** The reason, once: reading it clears it. */
export function takeSessionEnded(): string | undefined {
  const reason = ended;
  ended = undefined;
  return reason;
}

/** The operator signed out: the sign-in page says so, and asks for no `next`. */
export function markSignedOut(): void {
  ended = SIGNED_OUT;
}

/** The reason, if any, without clearing it. */
export function peekSessionEnded(): string | undefined {
  return ended;
}
