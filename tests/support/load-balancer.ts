import { request } from "node:http";
import { sleep } from "./processes";

/**
 * A load balancer as a test drives one (tests/reliability/multi-process.test.ts): one connection per
 * request, health checks on /readyz, and a refused connection sent on to another backend.
 */

export interface Answer {
  status: number;
  body: string;
}

/** One request on a connection of its own (a load balancer's hop), the body written in parts when given so. */
export function send(
  port: number,
  opts: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string;
    pauseMs?: number;
    onSent?: () => void;
  },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: opts.method ?? "GET",
        path: opts.path,
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (!opts.body) return void req.end();
    const half = Math.floor(opts.body.length / 2);
    req.write(opts.body.slice(0, half));
    opts.onSent?.();
    setTimeout(() => req.end(opts.body!.slice(half)), opts.pauseMs ?? 0);
  });
}

/**
 * Whether a balancer may send the request to another backend: the connection was refused, or (for GET and
 * HEAD, as nginx's `proxy_next_upstream error` does) reset before any answer, which is what a connection
 * still in the accept queue of a process that has just closed its listener gets: the process never read it.
 */
function retryable(error: unknown, method: string): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ECONNREFUSED" || (code === "ECONNRESET" && (method === "GET" || method === "HEAD"));
}

/**
 * The load balancer: polls each backend's /readyz every 100 ms, sends each request to the next ready one,
 * and sends a request to another backend when `retryable` says so. Every answer is recorded.
 */
export function balancer(ports: number[]) {
  const ready = new Map(ports.map((p) => [p, true]));
  const answers: Array<Answer & { port: number; path: string; at: number }> = [];
  const errors: string[] = [];
  let turn = 0;
  let polling = true;
  // Each backend's health check on its own, so a slow answer from one never delays noticing the other.
  const poll = (port: number) => async () => {
    while (polling) {
      await send(port, { path: "/readyz" }).then(
        (r) => ready.set(port, r.status === 200),
        () => ready.set(port, false),
      );
      await sleep(100);
    }
  };
  const polled = Promise.all(ports.map((port) => poll(port)()));
  return {
    answers,
    errors,
    async route(opts: Parameters<typeof send>[1]): Promise<Answer | null> {
      for (let attempt = 0; attempt < 4; attempt++) {
        const candidates = ports.filter((p) => ready.get(p));
        const port = (candidates.length ? candidates : ports)[turn++ % (candidates.length || ports.length)]!;
        try {
          const answer = await send(port, opts);
          answers.push({ ...answer, port, path: opts.path, at: Date.now() });
          return answer;
        } catch (error) {
          if (retryable(error, opts.method ?? "GET")) {
            ready.set(port, false);
            continue;
          }
          errors.push(`${opts.path} on ${port}: ${String(error)}`);
          return null;
        }
      }
      errors.push(`${opts.path}: no backend took it`);
      return null;
    },
    async close() {
      polling = false;
      await polled;
    },
  };
}
