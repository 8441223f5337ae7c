ALTER TABLE `emails` ADD `recipient_key` text;--> statement-breakpoint
ALTER TABLE `emails` ADD `capped` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `emails_recipient_idx` ON `emails` (`recipient_key`,`created_at`);