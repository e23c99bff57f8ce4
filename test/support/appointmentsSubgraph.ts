/**
 * A GP system's appointments as its own Federation 2 subgraph, for the federation tests:
 * it knows appointments by NHS number and extends the hub's Patient with `appointments`.
 * Each appointment also points back at its Patient, so the gateway has to ask the hub's
 * `_entities` for patients this subgraph names.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

export interface Appointment {
  id: string;
  nhsNumber: string;
  startsAt: string;
  clinician: string;
}

export const APPOINTMENTS_TYPE_DEFS = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  scalar NhsNumber

  type Appointment {
    id: ID!
    startsAt: String!
    clinician: String!
    patient: Patient
  }

  type Patient @key(fields: "nhsNumber") {
    nhsNumber: NhsNumber!
    appointments: [Appointment!]!
  }

  type Query {
    upcomingAppointments: [Appointment!]!
  }
`);

export interface RunningSubgraph {
  url: string;
  /** The Authorization header of every request the subgraph received. */
  authorizations: Array<string | undefined>;
  stop(): Promise<void>;
}

export async function startAppointmentsSubgraph(appointments: Appointment[]): Promise<RunningSubgraph> {
  const authorizations: Array<string | undefined> = [];
  const resolvers = {
    Query: {
      upcomingAppointments: () => appointments,
    },
    Appointment: {
      patient: (appointment: Appointment) => ({ nhsNumber: appointment.nhsNumber }),
    },
    Patient: {
      __resolveReference: (reference: { nhsNumber: string }) => ({ nhsNumber: reference.nhsNumber }),
      appointments: (patient: { nhsNumber: string }) => appointments.filter((a) => a.nhsNumber === patient.nhsNumber),
    },
  };
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: APPOINTMENTS_TYPE_DEFS, resolvers: resolvers as never }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => {
      authorizations.push(req.headers.authorization);
      return {};
    },
  });
  return { url, authorizations, stop: () => server.stop() };
}
