import { incidentLines } from '../../../../../blocks/incident-line.js';
import { incidentLineView } from '../../../../report/view-model.js';
import { say, type Subcommand } from './subcommand.js';

/** `/falco list [mine]`: open incidents (or yours), one line each, as on the Home tab. */
export const list: Subcommand = async (args, { deps, user }) => {
  const mine = args[0] === 'mine';
  const incidents = mine
    ? await deps.store.listByAssignee(user, { limit: 25 })
    : await deps.store.listOpen({ limit: 25 });
  if (!incidents.length) return say(mine ? 'Nothing is assigned to you.' : 'No open incidents.');
  return say(incidentLines(incidents.map((i) => incidentLineView(i))).join('\n'));
};
