import { Fragment, type ReactNode } from "react";
import styles from "./profile.module.css";

/**
 * The small print under an item of a list (a session, a passkey, an event, an app): its
 * facts on one line, "a · b · c", wide; one fact a line at a phone's width, where a
 * wrapped line would leave a dangling "·" at its end.
 */
export function ItemMeta({ id, parts }: { id?: string; parts: ReactNode[] }) {
  const shown = parts.filter((part) => part !== null && part !== undefined && part !== false && part !== "");
  return (
    <p className={styles.itemMeta} id={id}>
      {shown.map((part, index) => (
        <Fragment key={index}>
          {index > 0 ? <span className={styles.metaSeparator}> · </span> : null}
          <span className={styles.metaPart}>{part}</span>
        </Fragment>
      ))}
    </p>
  );
}
