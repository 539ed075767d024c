// The curator-token prompt: the client asks, the dialog in App answers.
import { onTokenNeeded } from "./client";

export const tokenPrompt = $state<{ open: boolean; reason: string; resolve: ((t: string | null) => void) | null }>({
  open: false,
  reason: "",
  resolve: null,
});

onTokenNeeded(
  (reason) =>
    new Promise((resolve) => {
      tokenPrompt.reason = reason;
      tokenPrompt.resolve = resolve;
      tokenPrompt.open = true;
    }),
);

export function answerToken(token: string | null): void {
  tokenPrompt.open = false;
  tokenPrompt.resolve?.(token && token.trim() ? token.trim() : null);
  tokenPrompt.resolve = null;
}
