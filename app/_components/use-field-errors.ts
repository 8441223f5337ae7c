import { useEffect, useRef, useState } from "react";

export type FieldErrorMap<F extends string> = Partial<Record<F, string[]>>;

/**
 * Field errors of a form, from its own check or from the API. Showing them moves focus
 * to the first field in error once the messages are on screen, so that its message is
 * read out with it (aria-describedby).
 */
export function useFieldErrors<F extends string>(fields: readonly F[]) {
  const [errors, setErrors] = useState<FieldErrorMap<F>>({});
  const inputs = useRef<Partial<Record<F, HTMLInputElement | null>>>({});
  const focusNext = useRef<F | null>(null);

  useEffect(() => {
    if (focusNext.current) inputs.current[focusNext.current]?.focus();
    focusNext.current = null;
  }, [errors]);

  function show(next: FieldErrorMap<F>): void {
    focusNext.current = fields.find((field) => next[field]?.length) ?? null;
    setErrors(next);
  }

  const refFor = (field: F) => (element: HTMLInputElement | null) => {
    inputs.current[field] = element;
  };

  return { errors, show, refFor };
}
