/**
 * Offline workflow templates for the gallery (the empty workflows page and the new-workflow
 * dialog). Each imports as an inactive draft. What a user must fill in is said in the node's
 * notes, which the canvas shows on the node, starting with "Fill in:".
 */
import type { WorkflowDraft } from '#shared/workflow.ts';

export type WorkflowTemplate = { id: string; title: string; summary: string; icon: string; doc: WorkflowDraft };

type N = WorkflowDraft['nodes'][number];
const at = (col: number, row = 0) => ({ x: col * 320, y: row * 160 });
const hook = (notes?: string): N => ({ id: 'webhook', type: 'trigger.webhook', position: at(0), config: {}, ...(notes ? { notes } : {}) });
const line = (...ids: string[]) => ids.slice(1).map((id, i) => ({ id: `e${i + 1}`, source: ids[i]!, target: id }));

export const TEMPLATES: readonly WorkflowTemplate[] = [
  {
    id: 'github-push-deploy',
    title: 'GitHub push → deploy hook',
    summary: 'When main is pushed, call your deploy endpoint with the commit.',
    icon: '⎇',
    doc: {
      name: 'GitHub push → deploy hook',
      nodes: [
        hook('Fill in: add this URL as a GitHub webhook (push events), and set a signing secret under Auth.'),
        { id: 'main_only', type: 'logic.filter', position: at(1), config: { condition: 'input.body.ref = "refs/heads/main"' } },
        {
          id: 'deploy',
          type: 'action.http',
          position: at(2),
          config: { method: 'POST', url: 'https://deploy.example.com/hooks/REPLACE-ME', body: { commit: '{{ steps.webhook.body.after }}', by: '{{ steps.webhook.body.pusher.name }}' } },
          notes: 'Fill in: your deploy hook URL.',
        },
      ],
      edges: line('webhook', 'main_only', 'deploy'),
    },
  },
  {
    id: 'stripe-payment-email',
    title: 'Stripe payment → thank-you email',
    summary: 'When a payment succeeds, email the customer a receipt line.',
    icon: '💳',
    doc: {
      name: 'Stripe payment → thank-you email',
      nodes: [
        hook('Fill in: add this URL as a Stripe webhook endpoint for payment_intent.succeeded.'),
        { id: 'succeeded', type: 'logic.filter', position: at(1), config: { condition: 'input.body.type = "payment_intent.succeeded"' } },
        {
          id: 'thank_you',
          type: 'action.email',
          position: at(2),
          config: {
            to: '{{ steps.webhook.body.data.object.receipt_email }}',
            subject: 'Thank you for your payment',
            text: 'We received {{ $formatNumber(steps.webhook.body.data.object.amount / 100, "#,##0.00") }} {{ $uppercase(steps.webhook.body.data.object.currency) }}. Thank you!',
          },
          notes: 'Fill in: pick an SMTP credential (without one, the email goes to the outbox).',
        },
      ],
      edges: line('webhook', 'succeeded', 'thank_you'),
    },
  },
  {
    id: 'form-to-crm',
    title: 'Form submission → CRM',
    summary: 'A form posts to a webhook; the contact is sent to your CRM.',
    icon: '✉',
    doc: {
      name: 'Form submission → CRM',
      nodes: [
        hook('Fill in: point your form’s action (or its webhook setting) at this URL.'),
        { id: 'contact', type: 'data.transform', position: at(1), config: { expression: '{ "email": $lowercase(input.body.email), "name": input.body.name, "source": "website form" }' } },
        {
          id: 'crm',
          type: 'action.http',
          position: at(2),
          config: { method: 'POST', url: 'https://crm.example.com/api/contacts', body: '{{ input }}' },
          notes: 'Fill in: your CRM’s contacts endpoint, and a credential for its API key.',
        },
      ],
      edges: line('webhook', 'contact', 'crm'),
    },
  },
  {
    id: 'nightly-report',
    title: 'Nightly report by email',
    summary: 'Every morning at 7, fetch yesterday’s numbers and email them.',
    icon: '◷',
    doc: {
      name: 'Nightly report by email',
      nodes: [
        { id: 'every_morning', type: 'trigger.schedule', position: at(0), config: { cron: '0 7 * * *', timezone: 'UTC' }, notes: 'Fill in: your time zone.' },
        { id: 'stats', type: 'action.http', position: at(1), config: { method: 'GET', url: 'https://api.example.com/stats/yesterday' }, notes: 'Fill in: the URL of your stats API.' },
        {
          id: 'report',
          type: 'action.email',
          position: at(2),
          config: { to: 'team@example.com', subject: 'Report for {{ $substring(steps.every_morning.scheduledAt, 0, 10) }}', text: '{{ $string(steps.stats.body) }}' },
          notes: 'Fill in: who gets the report.',
        },
      ],
      edges: line('every_morning', 'stats', 'report'),
    },
  },
  {
    id: 'poll-json-notify',
    title: 'New items in a JSON feed → chat message',
    summary: 'Poll an API every 5 minutes and post each new item to a chat webhook.',
    icon: '⟳',
    doc: {
      name: 'New items in a JSON feed → chat message',
      nodes: [
        {
          id: 'feed',
          type: 'trigger.poll',
          position: at(0),
          config: { request: { method: 'GET', url: 'https://api.example.com/items' }, intervalSeconds: 300, items: 'body.items', key: 'id' },
          notes: 'Fill in: the feed URL, and where its items and their ids are.',
        },
        {
          id: 'post',
          type: 'action.http',
          position: at(1),
          config: { method: 'POST', url: 'https://chat.example.com/hooks/REPLACE-ME', body: { text: 'New: {{ steps.feed.item.title }}' } },
          notes: 'Fill in: your chat’s incoming-webhook URL.',
        },
      ],
      edges: line('feed', 'post'),
    },
  },
  {
    id: 'uptime-check',
    title: 'Uptime check with an alert',
    summary: 'Every 5 minutes, check a site; email when it does not answer 200.',
    icon: '♥',
    doc: {
      name: 'Uptime check with an alert',
      nodes: [
        { id: 'every_5_min', type: 'trigger.schedule', position: at(0), config: { cron: '*/5 * * * *', timezone: 'UTC' } },
        { id: 'check', type: 'action.http', position: at(1), config: { method: 'GET', url: 'https://www.example.com/health', timeoutMs: 10000 }, onError: 'continue', notes: 'Fill in: the address to check.' },
        { id: 'down', type: 'logic.if', position: at(2), config: { condition: 'input.status != 200' } },
        {
          id: 'alert',
          type: 'action.email',
          position: at(3),
          config: { to: 'oncall@example.com', subject: 'Site check failed', text: 'The check at {{ steps.every_5_min.firedAt }} got: {{ $string(steps.check) }}' },
          notes: 'Fill in: who is alerted.',
        },
      ],
      edges: [...line('every_5_min', 'check', 'down'), { id: 'e3', source: 'down', target: 'alert', sourceHandle: 'true' }],
    },
  },
  {
    id: 'signup-to-chat',
    title: 'New signup → chat notification',
    summary: 'Tell your team in chat whenever someone signs up.',
    icon: '☺',
    doc: {
      name: 'New signup → chat notification',
      nodes: [
        hook('Fill in: send your signup events to this URL.'),
        {
          id: 'notify',
          type: 'action.http',
          position: at(1),
          config: { method: 'POST', url: 'https://chat.example.com/hooks/REPLACE-ME', body: { text: 'New signup: {{ steps.webhook.body.email }}' } },
          notes: 'Fill in: your chat’s incoming-webhook URL.',
        },
      ],
      edges: line('webhook', 'notify'),
    },
  },
  {
    id: 'test-email',
    title: 'Send a test email',
    summary: 'Press Run to send one email: a quick check of your mail settings.',
    icon: '▶',
    doc: {
      name: 'Send a test email',
      nodes: [
        { id: 'manual', type: 'trigger.manual', position: at(0), config: { samplePayload: { to: 'you@example.com' } } },
        {
          id: 'email',
          type: 'action.email',
          position: at(1),
          config: { to: '{{ trigger.to }}', subject: 'Hello from Switchyard', text: 'If you read this, email works.' },
          notes: 'Fill in: your address in the trigger’s sample payload, and an SMTP credential (else it goes to the outbox).',
        },
      ],
      edges: line('manual', 'email'),
    },
  },
  {
    id: 'signup-follow-up',
    title: 'Signup → follow-up email a day later',
    summary: 'Wait a day after a signup, durably, then send a follow-up.',
    icon: '⏱',
    doc: {
      name: 'Signup → follow-up email a day later',
      nodes: [
        hook('Fill in: send your signup events to this URL.'),
        { id: 'one_day', type: 'flow.delay', position: at(1), config: { seconds: 86400 } },
        {
          id: 'follow_up',
          type: 'action.email',
          position: at(2),
          config: { to: '{{ steps.webhook.body.email }}', subject: 'How is it going?', text: 'Hi {{ steps.webhook.body.name }}, reply to this email if you need a hand.' },
        },
      ],
      edges: line('webhook', 'one_day', 'follow_up'),
    },
  },
  {
    id: 'order-routing',
    title: 'Route large orders to sales',
    summary: 'Orders over 100 go to the sales team by email; the rest to fulfilment.',
    icon: '⋔',
    doc: {
      name: 'Route large orders to sales',
      nodes: [
        hook('Fill in: send your order events to this URL.'),
        { id: 'large', type: 'logic.if', position: at(1), config: { condition: 'input.body.total > 100' } },
        {
          id: 'sales',
          type: 'action.email',
          position: at(2, -1),
          config: { to: 'sales@example.com', subject: 'Large order {{ steps.webhook.body.id }}', text: 'Total: {{ steps.webhook.body.total }}' },
        },
        { id: 'fulfilment', type: 'action.http', position: at(2, 1), config: { method: 'POST', url: 'https://fulfilment.example.com/orders', body: '{{ steps.webhook.body }}' }, notes: 'Fill in: your fulfilment API.' },
      ],
      edges: [
        { id: 'e1', source: 'webhook', target: 'large' },
        { id: 'e2', source: 'large', target: 'sales', sourceHandle: 'true' },
        { id: 'e3', source: 'large', target: 'fulfilment', sourceHandle: 'false' },
      ],
    },
  },
];
