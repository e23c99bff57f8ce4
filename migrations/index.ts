/** Migrations in the order they apply; each runs on MySQL/MariaDB and SQLite alike. */
import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';
import { DeliveryPipeline1764100000000 } from './1764100000000-DeliveryPipeline';
import { SecurityAndAudit1764200000000 } from './1764200000000-SecurityAndAudit';
import { DeliveryRollups1764300000000 } from './1764300000000-DeliveryRollups';
import { DailyDeliveryRollups1764400000000 } from './1764400000000-DailyDeliveryRollups';
import { TimeCriticalIsNoFallback1765090000000 } from './1765090000000-TimeCriticalIsNoFallback';
import { ExactKeys1765100000000 } from './1765100000000-ExactKeys';
import { TemplatesAndCallbacks1765150000000 } from './1765150000000-TemplatesAndCallbacks';
import { PatientSafety1765160000000 } from './1765160000000-PatientSafety';
import { EventSequence1765200000000 } from './1765200000000-EventSequence';
import { DeliveryContributions1765300000000 } from './1765300000000-DeliveryContributions';

export const MIGRATIONS = [InitialSchema1764000000000, DeliveryPipeline1764100000000, SecurityAndAudit1764200000000, DeliveryRollups1764300000000, DailyDeliveryRollups1764400000000, TimeCriticalIsNoFallback1765090000000, ExactKeys1765100000000, TemplatesAndCallbacks1765150000000, PatientSafety1765160000000, EventSequence1765200000000, DeliveryContributions1765300000000];
