import { Fragment } from "react";

/**
 * An email address that wraps where a reader expects it to: after the "@" and before each
 * dot of the domain (<wbr>, which adds no character to what is copied or read aloud).
 * Only a part still too long for its line breaks inside (overflow-wrap: anywhere).
 */
export function EmailAddress({ value }: { value: string }) {
  const at = value.lastIndexOf("@");
  if (at <= 0) return <>{value}</>;
  const domain = value.slice(at + 1).split(".");
  return (
    <>
      {value.slice(0, at + 1)}
      <wbr />
      {domain.map((label, i) => (
        <Fragment key={i}>
          {i > 0 ? (
            <>
              <wbr />.
            </>
          ) : null}
          {label}
        </Fragment>
      ))}
    </>
  );
}
