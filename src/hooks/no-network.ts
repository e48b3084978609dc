import dgram from 'node:dgram';
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

/**
 * Disables, in this process, the entry points that every network API goes through: net sockets
 * and servers (and so tls, http, http2 and fetch), datagrams, DNS, and the web globals. A hook
 * sandbox does this before Pyodide loads; Node before 25 has no network permission of its own.
 */
export function refuseNetwork(): void {
  const refuse = (what: string) =>
    function refused(): never {
      throw Object.assign(new Error(`qexp hooks have no network (${what} refused)`), { code: 'ERR_ACCESS_DENIED' });
    };
  net.Socket.prototype.connect = refuse('net.Socket.connect');
  net.Server.prototype.listen = refuse('net.Server.listen');
  for (const m of ['bind', 'connect', 'send'] as const) dgram.Socket.prototype[m] = refuse(`dgram.Socket.${m}`);
  const resolvers = [dns, dns.promises, dns.Resolver.prototype, dns.promises.Resolver.prototype] as unknown as Record<string, unknown>[];
  for (const r of resolvers)
    for (const k of Object.getOwnPropertyNames(r))
      if (/^(lookup|resolve|reverse)/.test(k) && typeof r[k] === 'function') r[k] = refuse(`dns.${k}`);
  syncBuiltinESMExports();
  for (const g of ['fetch', 'WebSocket', 'EventSource', 'XMLHttpRequest', 'Request', 'Response', 'Headers'])
    delete (globalThis as Record<string, unknown>)[g];
}
