/**
 * The node ports with a meter around them: outbound HTTP by status class, email by outcome. The
 * composition root wraps the ports once, so the executor and the poll runner count alike and
 * neither knows about metrics.
 */
import type { HttpPort, MailPort } from '#shared/nodes/define.ts';
import type { Metrics } from './metrics.ts';

export function meteredHttp<P extends HttpPort>(port: P, metrics: Pick<Metrics, 'outboundHttp'>): HttpPort {
  return {
    async request(req) {
      let status: number | undefined;
      try {
        const res = await port.request(req);
        status = res.status;
        return res;
      } finally {
        metrics.outboundHttp(status);
      }
    },
  };
}

export function meteredMail(port: MailPort, metrics: Pick<Metrics, 'email'>): MailPort {
  return {
    async send(msg, options) {
      try {
        const r = await port.send(msg, options);
        metrics.email(r.captured ? 'captured' : 'sent');
        return r;
      } catch (err) {
        metrics.email('failed');
        throw err;
      }
    },
  };
}
