"use client";

import { useState, type InputHTMLAttributes, type ReactNode, type Ref } from "react";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "@/lib/validation";

type FieldProps = {
  id: string;
  label: string;
  /** Shown before anyone submits: the rule, not a complaint. */
  hint?: ReactNode;
  /** Messages from the form's own check or from the API, shown under the input. */
  errors?: string[] | undefined;
  inputRef?: Ref<HTMLInputElement>;
} & Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "aria-invalid" | "aria-describedby">;

/** A labelled input whose hint and errors are tied to it for screen readers. */
export function Field({ id, label, hint, errors, inputRef, ...input }: FieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <FieldInput id={id} hint={hint} errors={errors} inputRef={inputRef} {...input} />
      <FieldMessages id={id} hint={hint} errors={errors} />
    </div>
  );
}

/** A password field with a show/hide switch; the input stays the same element either way. */
export function PasswordField(props: Omit<FieldProps, "type">) {
  const [visible, setVisible] = useState(false);
  const { id, label, hint, errors, inputRef, ...input } = props;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="input-row">
        <FieldInput
          id={id}
          hint={hint}
          errors={errors}
          inputRef={inputRef}
          type={visible ? "text" : "password"}
          autoCapitalize="off"
          autoCorrect="off"
          spellCheck={false}
          {...input}
        />
        <button
          type="button"
          className="button button-secondary toggle"
          aria-controls={id}
          onClick={() => setVisible((v) => !v)}
        >
          {visible ? "Hide" : "Show"}
          <span className="visually-hidden"> password</span>
        </button>
      </div>
      <FieldMessages id={id} hint={hint} errors={errors} />
    </div>
  );
}

/** An email address field: the same label, keyboard and autofill wherever one is asked for. */
export function EmailField({ autoComplete = "email", ...props }: Omit<FieldProps, "label" | "type" | "inputMode">) {
  return <Field label="Email address" type="email" inputMode="email" autoComplete={autoComplete} {...props} />;
}

/** The rule for a new password, said before anyone gets it wrong. */
export const NEW_PASSWORD_HINT = `At least ${PASSWORD_MIN_LENGTH} characters (up to ${PASSWORD_MAX_LENGTH}). A few unrelated words make a strong one.`;

/** A password field for choosing a password: the length rule as its hint, and no autofill of the old one. */
export function NewPasswordField(props: Omit<FieldProps, "type" | "hint" | "autoComplete">) {
  return <PasswordField hint={NEW_PASSWORD_HINT} autoComplete="new-password" {...props} />;
}

function FieldInput({ id, hint, errors, inputRef, ...input }: Omit<FieldProps, "label">) {
  const invalid = Boolean(errors?.length);
  const describedBy = [hint ? `${id}-hint` : null, invalid ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <input
      id={id}
      name={id}
      ref={inputRef}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy || undefined}
      {...input}
    />
  );
}

function FieldMessages({ id, hint, errors }: Pick<FieldProps, "id" | "hint" | "errors">) {
  return (
    <>
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p className="field-error" id={`${id}-error`}>
          {errors.join(" ")}
        </p>
      ) : null}
    </>
  );
}

/**
 * The account's username for password managers, in a form that only asks for passwords
 * (change, reset): without it they cannot tell which account a new password belongs to.
 * Hidden from everyone else (https://www.chromium.org/developers/design-documents/create-amazing-password-forms/).
 */
export function HiddenUsername({ value }: { value: string }) {
  return <input type="email" name="username" autoComplete="username" value={value} readOnly hidden />;
}
