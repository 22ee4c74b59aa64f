/**
 * The extension's entry point, as VS Code calls it: `activate(context)` loads the chat state
 * from `context.globalState`, migrating it first when it was written by an older build.
 */
import { isStrataError } from 'strata-migrate/document';
import { ChatStateStore, type ChatStateStoreOptions } from './state/session-store.js';
import type { ExtensionContext, Window } from './vscode.js';

export interface CodexChatExtension {
  sessions: ChatStateStore;
}

export interface ActivateOptions extends ChatStateStoreOptions {
  /** vscode.window in the real extension. */
  window?: Window;
}

const consoleWindow: Window = {
  showErrorMessage: async (message) => {
    console.error(message);
    return undefined;
  },
};

export async function activate(context: ExtensionContext, options: ActivateOptions = {}): Promise<CodexChatExtension> {
  const { window = consoleWindow, ...storeOptions } = options;
  const sessions = new ChatStateStore(context.globalState, storeOptions);
  try {
    await sessions.initialize();
  } catch (error) {
    // Stored state is untouched on any failure; say why the chat history is unavailable.
    const reason = isStrataError(error) ? `${error.message}${error.hint ? ` (${error.hint})` : ''}` : String(error);
    void window.showErrorMessage(`Codex: the chat history could not be loaded: ${reason}`);
    throw error;
  }
  return { sessions };
}

export function deactivate(): void {
  // Nothing to flush: save() writes through globalState.update().
}
