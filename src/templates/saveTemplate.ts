/**
 * Creates, edits and archives templates. A template is checked when it is saved with every
 * sender rule that does not depend on the recipient (formatting, keyword replies, length and
 * links), through the same content rules a hand-written message goes through.
 */
import { MessageTemplate } from '../../entities/MessageTemplate';
import { MESSAGING_CATEGORY_DESCRIPTORS } from '../categories/messagingCategory';
import type { Database } from '../db/database';
import { checkContent } from '../messages/rules/contentRules';
import type { OrganisationStore } from '../organisations/organisationStore';
import { assertOdsCode } from '../organisations/odsCode';
import type { Clock } from '../shared/clock';
import { HubError } from '../shared/errors';
import { newId } from '../shared/ids';
import type { AccessScope } from '../shared/scope';
import type { MessagingCategory } from '../vocabulary/messagingCategory';
import { LegalBasis, MessageDirection } from '../vocabulary/messages';
import type { TemplateStore } from './templateStore';

export interface TemplateInput {
  organisationOdsCode: string;
  name: string;
  category: MessagingCategory;
  subject?: string | null;
  body: string;
  legalBasis: LegalBasis;
  purpose: string;
}

export interface TemplateDeps {
  db: Database;
  clock: Clock;
  templates: TemplateStore;
  organisations: OrganisationStore;
}

/** Nobody in particular: the rules that depend on the recipient find nothing of theirs. */
const NO_RECIPIENT = { nhsNumber: '', givenName: '', familyName: '', dateOfBirth: '' };

function validate(input: TemplateInput): { name: string; subject: string | null; purpose: string } {
  const name = input.name.trim();
  if (name === '' || name.length > 200) throw new HubError('BAD_USER_INPUT', 'Template name must be 1 to 200 characters');
  const descriptor = MESSAGING_CATEGORY_DESCRIPTORS.find((d) => d.category === input.category);
  if (!descriptor || !descriptor.directions.includes(MessageDirection.OUTBOUND)) throw new HubError('BAD_USER_INPUT', `${input.category} messages cannot be sent`);
  if (!Object.values(LegalBasis).includes(input.legalBasis)) throw new HubError('NO_LEGAL_BASIS', 'Every template needs a legal basis (for example DIRECT_CARE) and a purpose');
  const purpose = input.purpose.trim();
  if (purpose === '') throw new HubError('NO_LEGAL_BASIS', 'Every template needs a purpose: say why patients are being contacted');
  if (purpose.length > 500) throw new HubError('BAD_USER_INPUT', 'purpose must be at most 500 characters');
  const subject = input.subject?.trim() || null;
  if ((subject?.length ?? 0) > 200) throw new HubError('BAD_USER_INPUT', 'subject must be at most 200 characters');
  checkContent({ subject, body: input.body, mayGoToApp: true, patient: NO_RECIPIENT });
  return { name, subject, purpose };
}

function assertMayManage(scope: AccessScope, organisationOdsCode: string): void {
  if (scope.organisationOdsCode !== null && scope.organisationOdsCode !== organisationOdsCode) {
    throw new HubError('FORBIDDEN', `This key may only manage templates of ${scope.organisationOdsCode}`);
  }
}

/** Creates a template, or with an id replaces the text of one; messages already sent keep theirs. */
export async function saveTemplate(deps: TemplateDeps, id: string | null | undefined, input: TemplateInput, scope: AccessScope): Promise<MessageTemplate> {
  const organisationOdsCode = assertOdsCode(input.organisationOdsCode);
  assertMayManage(scope, organisationOdsCode);
  const { name, subject, purpose } = validate(input);
  return deps.db.transaction(async (manager) => {
    const now = deps.clock.now();
    if (!(await deps.organisations.findByOdsCode(organisationOdsCode, manager))) throw new HubError('NOT_FOUND', `No organisation with ODS code ${organisationOdsCode}`);
    let template: MessageTemplate;
    if (id) {
      const existing = await deps.templates.findById(id, scope, manager);
      if (!existing) throw new HubError('NOT_FOUND', `No template ${id}`);
      if (existing.organisationOdsCode !== organisationOdsCode) throw new HubError('BAD_USER_INPUT', 'A template cannot move to another organisation; create a new one instead');
      if (existing.archivedAt) throw new HubError('BAD_USER_INPUT', `Template ${id} is archived and cannot be edited`);
      template = existing;
    } else {
      template = Object.assign(new MessageTemplate(), { id: newId(), organisationOdsCode, archivedAt: null, createdAt: now });
    }
    Object.assign(template, { name, category: input.category, subject, body: input.body, legalBasis: input.legalBasis, purpose, updatedAt: now });
    return deps.templates.save(template, manager);
  });
}

export async function archiveTemplate(deps: TemplateDeps, id: string, scope: AccessScope): Promise<MessageTemplate> {
  return deps.db.transaction(async (manager) => {
    const template = await deps.templates.findById(id, scope, manager);
    if (!template) throw new HubError('NOT_FOUND', `No template ${id}`);
    if (template.archivedAt) return template;
    const now = deps.clock.now();
    Object.assign(template, { archivedAt: now, updatedAt: now });
    return deps.templates.save(template, manager);
  });
}
