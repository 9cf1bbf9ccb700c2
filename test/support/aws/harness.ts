import type { Test } from 'tap';
import {
  type ClientOptions,
  createAwsClients,
  destroyAwsClients,
  type AwsClients,
} from '../../../checks/aws/clients.js';
import { collectAws, type CollectAwsOptions } from '../../../checks/aws/collect.js';
import type { AwsSnapshot } from '../../../checks/aws/types.js';
import type { AwsConfig } from '../../../server/types.js';
import { type AwsEmulator, type AwsScenario, startAwsEmulator } from './emulator.js';
import { SCENARIO_NOW, scenarioConfig } from './scenarios.js';

/** Static dummy credentials: the tests never touch the default provider chain. */
export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

export interface Collection {
  snapshot: AwsSnapshot;
  emulator: AwsEmulator;
  config: AwsConfig;
  clients: AwsClients;
}

/** Starts the emulator on `scenario`, builds real SDK clients for it, and collects. */
export async function collectScenario(
  t: Test,
  scenario: AwsScenario,
  options: {
    config?: Partial<AwsConfig>;
    client?: ClientOptions;
    collect?: Partial<CollectAwsOptions>;
  } = {},
): Promise<Collection> {
  const { emulator, config, clients } = await serveScenario(t, scenario, options);
  const snapshot = await collectAws(config, {
    now: SCENARIO_NOW,
    clients,
    lookupSpacingMs: 0,
    ...options.collect,
  });
  return { snapshot, emulator, config, clients };
}

/** The emulator and clients, torn down with the test. */
export async function serveScenario(
  t: Test,
  scenario: AwsScenario,
  options: { config?: Partial<AwsConfig>; client?: ClientOptions } = {},
): Promise<Omit<Collection, 'snapshot'>> {
  const emulator = await startAwsEmulator(scenario);
  t.teardown(() => emulator.close());
  const config = { ...scenarioConfig(scenario, emulator.endpoint), ...options.config };
  const clients = createAwsClients(config, { credentials: TEST_CREDENTIALS, ...options.client });
  t.teardown(() => destroyAwsClients(clients));
  return { emulator, config, clients };
}
