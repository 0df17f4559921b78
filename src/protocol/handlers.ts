/**
 * Handler tables for the messages of messages.ts: one handler per message type, in a table whose
 * type the compiler checks for exhaustiveness, so a message added to a union fails to compile
 * wherever it is received until each receiver says what it does with it.
 */

/** Exactly one handler per `type` of the union `M`, each getting its own member of it. */
export type MessageHandlers<M extends { type: string }, R = void> = { [K in M['type']]: (message: Extract<M, { type: K }>) => R };

/** Calls the handler of `message.type`. */
export function dispatchMessage<M extends { type: string }, R>(handlers: MessageHandlers<M, R>, message: M): R {
  const handler = handlers[message.type as M['type']] as (message: M) => R;
  return handler(message);
}
