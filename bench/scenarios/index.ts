import type { ScenarioId } from '../contender';
import { crash } from './crash';
import { decorator } from './decorator';
import { engineCost } from './engine';
import { held } from './held';
import { hotKey } from './hot-key';
import type { Scenario } from './scenario';
import { sequential } from './sequential';
import { throughput } from './throughput';

/** Every scenario, in the order they run. */
export const SCENARIOS: readonly Scenario[] = [
  sequential,
  throughput,
  hotKey,
  crash,
  held,
  decorator,
  engineCost,
];

export function scenarioById(id: ScenarioId): Scenario {
  const scenario = SCENARIOS.find((s) => s.id === id);
  if (!scenario) throw new Error(`unknown scenario ${id}`);
  return scenario;
}
