// The page's handle on the training worker: typed requests that resolve with their answer,
// and listeners for the worker's event stream.

import type { AnswerMessage, Answers, Event, Request, WorkerMessage } from './protocol.js';

type Op = Request['op'];
type RequestOf<O extends Op> = Omit<Extract<Request, { op: O }>, 'op'>;

export class TrainingClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(event: Event) => void>();

  constructor(private readonly worker: Worker) {
    worker.onmessage = ({ data }: MessageEvent<WorkerMessage>) => {
      if ('event' in data) {
        for (const listen of this.listeners) listen(data);
        return;
      }
      const answer = data as AnswerMessage;
      const waiting = this.pending.get(answer.id);
      this.pending.delete(answer.id);
      if (answer.ok) waiting?.resolve(answer.value);
      else waiting?.reject(new Error(answer.error));
    };
    worker.onerror = (e) => {
      for (const { reject } of this.pending.values()) reject(new Error(e.message || 'the training worker failed'));
      this.pending.clear();
    };
  }

  request<O extends Op>(op: O, args: RequestOf<O>, transfer: Transferable[] = []): Promise<Answers[O]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, ...args }, transfer);
    });
  }

  /** Hears every event; returns the function that stops listening. */
  on(listener: (event: Event) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
