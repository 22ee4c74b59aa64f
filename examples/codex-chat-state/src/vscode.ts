/**
 * The few parts of VS Code's extension API this example uses, with the shapes `vscode.d.ts`
 * gives them. In the real extension they come from `import * as vscode from 'vscode'`, which
 * exists only inside VS Code's extension host: VS Code itself cannot run in this repository's
 * tests, so the tests pass an in-memory object of the same shape (test/in-memory-memento.ts).
 */

export interface Thenable<T> extends PromiseLike<T> {}

/** vscode.Memento: `context.globalState` / `context.workspaceState`. */
export interface Memento {
  keys(): readonly string[];
  get<T>(key: string): T | undefined;
  get<T>(key: string, defaultValue: T): T;
  update(key: string, value: any): Thenable<void>;
}

/** The part of vscode.ExtensionContext that activate() uses. */
export interface ExtensionContext {
  readonly globalState: Memento;
  readonly subscriptions: { dispose(): any }[];
}

/** The part of vscode.window that activate() uses. */
export interface Window {
  showErrorMessage(message: string): Thenable<string | undefined>;
}
