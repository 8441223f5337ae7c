import { describeEventAction, type ActivityItem } from "./activity-details";
import { ItemMeta } from "./item-meta";
import { describeDevice, formatDateTime, formatLastActive } from "./session-details";
import styles from "./profile.module.css";

/**
 * Security events as their owner reads them (the profile's Activity, and an account's page
 * in the administration): what happened, from which device and address, and when.
 */
export function ActivityList({ events, label }: { events: readonly ActivityItem[]; label?: string }) {
  return (
    <ul className={styles.list} aria-label={label}>
      {events.map((event, index) => (
        <li key={`${event.at}-${index}`} className={styles.item}>
          <div className={styles.itemText}>
            <p className={styles.itemName}>{describeEventAction(event)}</p>
            <ItemMeta
              parts={[
                <span key="device" title={event.user_agent ?? undefined}>
                  {describeDevice(event.user_agent)}
                </span>,
                event.ip,
                <time key="at" className={styles.phrase} dateTime={event.at} title={formatDateTime(event.at)}>
                  {formatLastActive(event.at)}
                </time>,
              ]}
            />
          </div>
        </li>
      ))}
    </ul>
  );
}
