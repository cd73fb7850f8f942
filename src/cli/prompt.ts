// Questions to a person on the terminal (stdin and stderr are TTYs): a yes/no question and a
// hidden password entry. Never used when nobody is there.
import readline from 'node:readline';
import { Xep65Error } from '../errors.js';

export async function askYesNo(question: string, signal?: AbortSignal): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const onAbort = () => reject(new Xep65Error('aborted', 'interrupted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      rl.question(question, (a) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(a);
      });
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function promptHidden(question: string, signal?: AbortSignal): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onAbort = () => finish(() => reject(new Xep65Error('aborted', 'interrupted')));
      const finish = (fn: () => void) => {
        stdin.off('data', onData);
        signal?.removeEventListener('abort', onAbort);
        process.stderr.write('\n');
        fn();
      };
      const onData = (data: Buffer) => {
        for (const ch of data.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return finish(() => resolve(value));
          if (ch === '\u0003') return finish(() => reject(new Xep65Error('aborted', 'interrupted')));
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
