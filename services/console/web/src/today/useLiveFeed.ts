// The live feed in React: one LiveFeed per mounted page, on the browser's WebSocket, its
// state rendered by LiveFeed.tsx. When the console says the session has ended, the app's
// session-ended path runs (as for a 401 from any API): the sign-in page says so and brings
// the operator back here after.

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { fetchSession, forgetSession } from "../auth/session";
import { markSessionEnded } from "../auth/sessionEnd";
import { browserSocket, feedUrl, INITIAL_STATE, LiveFeed, newClientId, type FeedState } from "./liveFeed";

let tabClientId: string | undefined;

/** This tab's client id (the gateway echoes it and logs it), the same for every connection. */
export function liveFeedClientId(): string {
  tabClientId ??= newClientId();
  return tabClientId;
}

export interface LiveFeedHandle {
  state: FeedState;
  /** While reconnecting, try at once. */
  retryNow: () => void;
  /** Hide the "events may be missing" notice. */
  dismissGap: () => void;
}

export interface UseLiveFeedOptions {
  /** False: no socket (the operator may not read attendance). */
  enabled: boolean;
  /** The day's counts may have changed (throttled by the feed). */
  onCountsStale: () => void;
}

export function useLiveFeed({ enabled, onCountsStale }: UseLiveFeedOptions): LiveFeedHandle {
  const queryClient = useQueryClient();
  const [state, setState] = useState<FeedState>(INITIAL_STATE);
  const feedRef = useRef<LiveFeed | null>(null);
  const countsRef = useRef(onCountsStale);
  useEffect(() => {
    countsRef.current = onCountsStale;
  }, [onCountsStale]);

  useEffect(() => {
    if (!enabled) return;
    const feed = new LiveFeed({
      url: (lastSeq) => feedUrl(window.location, liveFeedClientId(), lastSeq),
      socket: browserSocket,
      // A browser hides the 401 of a refused upgrade: a socket that did not open asks.
      checkSession: async () => (await fetchSession()) !== null,
      onSessionEnded: (code) => {
        markSessionEnded(code);
        forgetSession(queryClient);
      },
      onCountsStale: () => countsRef.current(),
    });
    feedRef.current = feed;
    const unsubscribe = feed.subscribe(setState);
    setState(feed.getState());
    feed.start();
    // Back online, or the tab shown again: no need to wait out the backoff. A hidden tab
    // keeps its socket (the gateway's pings are answered all the same).
    const retry = () => {
      if (document.visibilityState !== "hidden") feed.retryNow();
    };
    window.addEventListener("online", retry);
    document.addEventListener("visibilitychange", retry);
    return () => {
      window.removeEventListener("online", retry);
      document.removeEventListener("visibilitychange", retry);
      unsubscribe();
      feed.stop();
      if (feedRef.current === feed) feedRef.current = null;
    };
  }, [enabled, queryClient]);

  const retryNow = useCallback(() => feedRef.current?.retryNow(), []);
  const dismissGap = useCallback(() => feedRef.current?.dismissGap(), []);
  return { state, retryNow, dismissGap };
}
