import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { homeView } from '../../../../blocks/home-view.js';
import { incidentLineView } from '../../../report/view-model.js';
import type { ListenerDeps } from '../deps.js';

/** Renders the Home tab each time someone opens it: their incidents and the open ones. */
export function appHomeOpened(deps: ListenerDeps) {
  const log = deps.log.child({ module: 'events' });
  return async ({
    event,
    client,
  }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    try {
      const [mine, open] = await Promise.all([
        deps.store.listByAssignee(event.user, { limit: 20 }),
        deps.store.listOpen({ limit: 20 }),
      ]);
      await client.views.publish({
        user_id: event.user,
        view: homeView(mine.map(incidentLineView), open.map(incidentLineView)),
      });
    } catch (err) {
      log.error({ err }, 'could not publish the Home tab');
    }
  };
}
