"use client";

import { useState, type FormEvent } from "react";
import { Field } from "@/app/_components/field";
import { usernameWords } from "@/app/_components/field-words";
import { MessageNotice, SubmitButton } from "@/app/_components/status";
import { useApiForm } from "@/app/_components/use-api-form";
import { callWithSession } from "@/lib/client/session";
import { ProfileUpdateSchema, USERNAME_MAX_LENGTH } from "@/lib/validation";
import styles from "./profile.module.css";

const FIELDS = ["username"] as const;

/**
 * "Username": a new one under register's rules (PATCH /api/auth/me/), typed into an empty
 * field as a new password or a new address is. The profile passes the current name.
 */
export function UsernameSection({ username, onChanged }: { username: string; onChanged: (username: string) => void }) {
  const [value, setValue] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const form = useApiForm(FIELDS);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(null);
    void form.submit({
      parsed: ProfileUpdateSchema.safeParse({ username: value }),
      send: (data) => callWithSession<{ username?: unknown }>("/api/auth/me/", { method: "PATCH", body: data }),
      onSuccess: (body) => {
        const name = typeof body.username === "string" ? body.username : value.trim();
        setValue("");
        setSaved(name === username ? "That is your username already." : `Your username is now ${name}.`);
        onChanged(name);
      },
    });
  }

  return (
    <section aria-labelledby="username-heading" className={styles.section}>
      <h2 id="username-heading">Username</h2>
      <MessageNotice tone="success" text={saved} />
      <MessageNotice tone="error" text={form.problem} />
      <form onSubmit={submit} noValidate className={styles.form} aria-label="Change username">
        <Field
          id="new-username"
          label="New username"
          hint="Letters, numbers and @ . + - _ only."
          autoComplete="username"
          autoCapitalize="off"
          spellCheck={false}
          maxLength={USERNAME_MAX_LENGTH}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          errors={usernameWords(form.errors.username, value)}
          inputRef={form.refFor("username")}
        />
        <SubmitButton busy={form.busy} busyLabel="Saving…" block={false} secondary>
          Change username
        </SubmitButton>
      </form>
    </section>
  );
}
