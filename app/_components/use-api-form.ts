import { useState } from "react";
import type { z } from "zod";
import { fieldErrorsOf, problemMessage, type ApiFailure, type ApiResult } from "@/lib/client/api";
import { fieldErrorsFrom } from "@/lib/validation";
import { useFieldErrors } from "./use-field-errors";

type Submission<D, T> = {
  /** The form's values through its schema: nothing is sent until they pass. */
  parsed: z.ZodSafeParseResult<D>;
  send: (data: D) => Promise<ApiResult<T>>;
  onSuccess: (body: T, data: D) => void;
  /**
   * The sentence for a failure that is not about one of the form's fields, or null when
   * the form shows it another way. Without it, problemMessage's wording.
   */
  explain?: (failure: ApiFailure, data: D) => string | null;
  /** Stay busy after a success: the page is about to change, the button should not come back. */
  keepBusy?: boolean;
};

/**
 * The submit cycle the API forms share: check the values with the schema, send them while
 * `busy`, put field errors (the schema's or the API's) under their fields, and say
 * anything else in one `problem` above the form. Each submit starts with a clean slate.
 */
export function useApiForm<F extends string>(fields: readonly F[]) {
  const { errors, show: showErrors, refFor } = useFieldErrors(fields);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit<D, T>({ parsed, send, onSuccess, explain, keepBusy = false }: Submission<D, T>) {
    setProblem(null);
    if (!parsed.success) return showErrors(fieldErrorsOf(fieldErrorsFrom(parsed.error), fields));
    showErrors({});

    setBusy(true);
    const result = await send(parsed.data);
    if (!(result.ok && keepBusy)) setBusy(false);
    if (result.ok) return onSuccess(result.data, parsed.data);
    const fieldErrors = fieldErrorsOf(result.data, fields);
    if (Object.keys(fieldErrors).length) return showErrors(fieldErrors);
    setProblem(explain ? explain(result, parsed.data) : problemMessage(result));
  }

  /** A fresh start for the same form asking for something else (a recovery code instead of a code). */
  function reset(): void {
    setProblem(null);
    showErrors({});
  }

  return { errors, refFor, problem, busy, submit, reset };
}
