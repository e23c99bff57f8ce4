/** Sending through the real GraphQL API, with a valid message unless a test says otherwise. */
import type { TestServer } from './testHub';

export const SEND_MESSAGE = `
  mutation Send($input: SendMessageInput!) {
    sendMessage(input: $input) {
      replayed
      message {
        id status scheduledFor fallbackUsed deliveredChannel timeCritical
        contentReport { readingGrade wordCount smsFragments warnings }
        deliveryAttempts { id channel sequence status failureReason retryCount notification providerReference }
      }
    }
  }`;

export const MESSAGE_STATE = `
  query State($id: ID!) {
    message(id: $id) {
      id status scheduledFor fallbackUsed deliveredChannel deliveredAt readAt
      deliveryAttempts { id channel sequence status failureReason retryCount notification providerReference sentAt deliveredAt readAt failedAt }
    }
  }`;

export function validSend(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nhsNumber: '9434765919',
    organisationOdsCode: 'A81001',
    category: 'NHS_APP_MESSAGING',
    subject: 'Your flu vaccination',
    body: '# Flu vaccination\n\nYou can now book your flu vaccination.\n\n[Book your vaccination](https://www.nhs.uk/vaccinations/flu-vaccine/)\n\nThank you.',
    legalBasis: 'DIRECT_CARE',
    purpose: 'Seasonal flu invitation',
    ...overrides,
  };
}

export async function send(server: TestServer, overrides: Record<string, unknown> = {}) {
  return server.graphql(SEND_MESSAGE, { input: validSend(overrides) });
}

export async function messageState(server: TestServer, id: string) {
  const result = await server.graphql(MESSAGE_STATE, { id });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data!.message;
}
