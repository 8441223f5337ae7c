CREATE TABLE `backchannel_logouts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`client_id` text NOT NULL,
	`sub` text NOT NULL,
	`sid` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`claimed_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `backchannel_logouts_client_sid_unique` ON `backchannel_logouts` (`client_id`,`sid`);--> statement-breakpoint
CREATE INDEX `backchannel_logouts_status_idx` ON `backchannel_logouts` (`status`);--> statement-breakpoint
CREATE TABLE `oidc_consents` (
	`user_id` integer NOT NULL,
	`client_id` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`user_id`, `client_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `oidc_models` (
	`model` text NOT NULL,
	`id` text NOT NULL,
	`payload` text NOT NULL,
	`grant_id` text,
	`uid` text,
	`user_code` text,
	`account_id` integer,
	`client_id` text,
	`session_id` text,
	`expires_at` integer,
	`consumed_at` integer,
	PRIMARY KEY(`model`, `id`),
	FOREIGN KEY (`account_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `oidc_models_grant_idx` ON `oidc_models` (`grant_id`);--> statement-breakpoint
CREATE INDEX `oidc_models_uid_idx` ON `oidc_models` (`uid`);--> statement-breakpoint
CREATE INDEX `oidc_models_user_code_idx` ON `oidc_models` (`user_code`);--> statement-breakpoint
CREATE INDEX `oidc_models_account_client_idx` ON `oidc_models` (`account_id`,`client_id`);--> statement-breakpoint
CREATE INDEX `oidc_models_session_idx` ON `oidc_models` (`session_id`);--> statement-breakpoint
CREATE INDEX `oidc_models_expires_idx` ON `oidc_models` (`expires_at`);