//! The command line, as clap parses it: every command, its flags, its help and examples.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_CODES_HELP;

const ABOUT: &str = "Every Cocoonmail API operation from a shell, and resumable bulk imports";

const LONG_ABOUT: &str = "\
Every Cocoonmail API operation from a shell, and resumable bulk imports of contacts and events.

The API key comes from the COCOONMAIL_API_KEY environment variable, or from the first line of
the file named by --api-key-file. It is never accepted as an argument (arguments show in `ps`
and in shell history) and never printed. COCOONMAIL_BASE_URL (or --base-url) points the
command at another server, such as a staging host or the cocoon-mock fake server.

Output is for people by default; --json prints exactly one JSON document on stdout instead
(the answer, the import summary, or {\"error\": ...}). Messages and progress go to stderr.";

const MAIN_EXAMPLES: &str = "\
Examples:
  export COCOONMAIL_API_KEY='pbkdf2_sha256$...'
  cocoonmail key validate
  cocoonmail contacts update --email ada@example.com --first-name Ada --property plan=pro
  cocoonmail events send --name signup --email ada@example.com
  cocoonmail import contacts contacts.csv --failures failed.csv
  cocoonmail --json mail usage | jq .quotas";

/// `cocoonmail`: the Cocoonmail API from a shell.
#[derive(Debug, Parser)]
#[command(
    name = "cocoonmail",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = format!("{MAIN_EXAMPLES}\n\nThe exit codes are listed by --help."),
    after_long_help = format!("{MAIN_EXAMPLES}\n\n{EXIT_CODES_HELP}"),
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes, before or after its name.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Read the API key from the first line of this file (instead of COCOONMAIL_API_KEY).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "PATH"
    )]
    pub(crate) api_key_file: Option<PathBuf>,
    /// The server (default: COCOONMAIL_BASE_URL, else the production server).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "URL"
    )]
    pub(crate) base_url: Option<String>,
    /// Requests per second the client allows itself (default 10, the documented limit; 0
    /// turns the client's limiter off). With --redis-url, the whole team's rate.
    #[arg(long, global = true, help_heading = "Global options", value_name = "N")]
    pub(crate) rate: Option<u32>,
    /// Requests a client idle for a second may send at once (1 to the rate; default 1: evenly
    /// paced). The limiter still lets at most the rate into any second; a server that enforces
    /// even spacing would answer a burst with 429, hence the default.
    #[arg(long, global = true, help_heading = "Global options", value_name = "N")]
    pub(crate) burst: Option<u32>,
    /// Share one rate-limit budget with every process of the team through this Redis (or
    /// Valkey), e.g. redis://:password@redis.internal:6379/0; default COCOONMAIL_REDIS_URL
    /// (prefer it when the URL holds a password: arguments show in `ps`).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "URL"
    )]
    pub(crate) redis_url: Option<String>,
    /// With --redis-url: the budget's name, for a team that uses several API keys (default: a
    /// hash of the API key).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "NAME"
    )]
    pub(crate) redis_bucket: Option<String>,
    /// Print exactly one JSON document on stdout: the answer, the summary or the error.
    #[arg(long, global = true, help_heading = "Global options")]
    pub(crate) json: bool,
    /// Refused: the key is never taken from the command line.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        hide = true,
        value_name = "KEY"
    )]
    pub(crate) api_key: Option<String>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check the API key.
    #[command(subcommand, after_help = "Example:\n  cocoonmail key validate")]
    Key(KeyCommand),
    /// Create, update (upsert), find and delete contacts.
    #[command(
        subcommand,
        after_help = "Examples:\n  cocoonmail contacts create --email ada@example.com --first-name Ada\n  cocoonmail contacts find --email ada@example.com"
    )]
    Contacts(ContactsCommand),
    /// List the team's mailing lists.
    #[command(after_help = "Example:\n  cocoonmail lists\n  cocoonmail --json lists")]
    Lists,
    /// List the team's custom contact fields and their types.
    #[command(after_help = "Example:\n  cocoonmail fields")]
    Fields,
    /// Send events that trigger workflows, and abandoned-cart checkouts.
    #[command(
        subcommand,
        after_help = "Example:\n  cocoonmail events send --name signup --email ada@example.com"
    )]
    Events(EventsCommand),
    /// Send transactional and direct email; read usage and delivery status.
    #[command(
        subcommand,
        after_help = "Examples:\n  cocoonmail mail send --transactional-id welcome-1 --to ada@example.com\n  cocoonmail mail usage"
    )]
    Mail(MailCommand),
    /// Verify an email address.
    #[command(after_help = "Example:\n  cocoonmail verify ada@example.com")]
    Verify(VerifyArgs),
    /// Send WhatsApp messages and read their status.
    #[command(
        subcommand,
        name = "whatsapp",
        after_help = "Example:\n  cocoonmail whatsapp send --from +15550100 --to +447700900123 --text 'Your order shipped'"
    )]
    WhatsApp(WhatsAppCommand),
    /// Send one-time passwords by email or WhatsApp.
    #[command(
        subcommand,
        after_help = "Example:\n  cocoonmail otp send --template-uuid 7d1e5c2a-0000-4000-8000-000000000001 --email ada@example.com --code 004217"
    )]
    Otp(OtpCommand),
    /// Import contacts or events from a CSV or JSON-lines file, resumably.
    #[command(
        subcommand,
        after_help = "Examples:\n  cocoonmail import contacts contacts.csv --dry-run\n  cocoonmail import events events.jsonl --failures failed.csv\n  cocoonmail import events events.jsonl --resume"
    )]
    Import(ImportCommand),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  cocoonmail completions bash > ~/.local/share/bash-completion/completions/cocoonmail\n  cocoonmail completions zsh > \"${fpath[1]}/_cocoonmail\"\n  cocoonmail completions fish > ~/.config/fish/completions/cocoonmail.fish"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `cocoonmail key ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Check that the configured API key is valid.
    #[command(
        after_help = "Example:\n  COCOONMAIL_API_KEY=\"$(cat key.txt)\" cocoonmail key validate"
    )]
    Validate,
}

/// `cocoonmail contacts ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum ContactsCommand {
    /// Create a contact (an existing email is a conflict, exit code 6).
    #[command(
        after_help = "Examples:\n  cocoonmail contacts create --email ada@example.com --first-name Ada --list cl_newsletter_0001\n  cocoonmail contacts create --email ada@example.com --property plan=pro --property seats=3\n  cocoonmail contacts create --data contact.json"
    )]
    Create(ContactWriteArgs),
    /// Update a contact by email or user id, creating it when none matches.
    #[command(
        after_help = "Examples:\n  cocoonmail contacts update --email ada@example.com --last-name Lovelace\n  cocoonmail contacts update --user-id u-42 --new-email ada@new.example.com\n  cocoonmail contacts update --email ada@example.com --clear last-name --unsubscribe cl_beta_0002"
    )]
    Update(ContactWriteArgs),
    /// Find contacts by email or user id.
    #[command(
        after_help = "Examples:\n  cocoonmail contacts find --email ada@example.com\n  cocoonmail --json contacts find --user-id u-42"
    )]
    Find(ContactRefArgs),
    /// Delete a contact by email or user id (an unknown one is exit code 5).
    #[command(after_help = "Example:\n  cocoonmail contacts delete --email ada@example.com")]
    Delete(ContactRefArgs),
}

/// Which contact: `--email` or `--user-id`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("who").required(true).args(["email", "user_id"])))]
pub(crate) struct ContactRefArgs {
    /// The contact's email address.
    #[arg(long)]
    pub(crate) email: Option<String>,
    /// The contact's user id (your system's id).
    #[arg(long)]
    pub(crate) user_id: Option<String>,
}

/// The fields of a contact to create or update.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("fields").multiple(true).args([
    "email", "user_id", "new_email", "first_name", "last_name", "source", "subscribed",
    "user_group", "list", "unsubscribe", "property", "clear",
])))]
pub(crate) struct ContactWriteArgs {
    /// The contact's email address (required to create; on update, the contact to update).
    #[arg(long, required_unless_present_any = ["data", "user_id"])]
    pub(crate) email: Option<String>,
    /// The contact's user id (on update, identifies the contact when --email is absent).
    #[arg(long)]
    pub(crate) user_id: Option<String>,
    /// On update by --user-id: change the contact's email to this address.
    #[arg(long, requires = "user_id", conflicts_with = "email")]
    pub(crate) new_email: Option<String>,
    /// firstName.
    #[arg(long)]
    pub(crate) first_name: Option<String>,
    /// lastName.
    #[arg(long)]
    pub(crate) last_name: Option<String>,
    /// source: where the contact came from.
    #[arg(long)]
    pub(crate) source: Option<String>,
    /// subscribed: true or false.
    #[arg(long, value_name = "BOOL")]
    pub(crate) subscribed: Option<bool>,
    /// userGroup.
    #[arg(long)]
    pub(crate) user_group: Option<String>,
    /// Subscribe the contact to this mailing list id (repeatable).
    #[arg(long, value_name = "LIST_ID")]
    pub(crate) list: Vec<String>,
    /// Mark the contact unsubscribed from this mailing list id (repeatable).
    #[arg(long, value_name = "LIST_ID")]
    pub(crate) unsubscribe: Vec<String>,
    /// A custom property, NAME=VALUE, typed by the account's custom fields (repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    pub(crate) property: Vec<String>,
    /// On update: clear a field (first-name, last-name, source, user-group) or a custom
    /// property by name (repeatable).
    #[arg(long, value_name = "FIELD")]
    pub(crate) clear: Vec<String>,
    #[command(flatten)]
    pub(crate) data: DataArg,
}

/// `cocoonmail events ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum EventsCommand {
    /// Send an event for a contact (the contact is created when it does not exist).
    #[command(
        after_help = "Examples:\n  cocoonmail events send --name signup --email ada@example.com\n  cocoonmail events send --name upgrade --email ada@example.com --attribute annual --property plan=pro\n  echo '{\"contact\":{\"email\":\"ada@example.com\"},\"event\":{\"code\":\"ABANDONED_CART\"}}' | cocoonmail events send --data -"
    )]
    Send(EventSendArgs),
    /// Report an abandoned cart.
    #[command(
        after_help = "Examples:\n  cocoonmail events checkout --cart-id cart-9 --email ada@example.com \\\n      --checkout-url https://shop.example.com/c/9 --created-at 2024-05-01T10:00:00Z \\\n      --item 'SKU-1,Notebook,2,4.50'\n  cocoonmail events checkout --data cart.json"
    )]
    Checkout(CheckoutArgs),
}

/// `events send` flags.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("fields").multiple(true).args(["name", "email", "attribute", "property"])))]
pub(crate) struct EventSendArgs {
    /// The event's name (event_name).
    #[arg(long, required_unless_present = "data")]
    pub(crate) name: Option<String>,
    /// The contact's email address.
    #[arg(long, required_unless_present = "data")]
    pub(crate) email: Option<String>,
    /// event_attribute.
    #[arg(long)]
    pub(crate) attribute: Option<String>,
    /// A further property, NAME=VALUE, sent as text (repeatable; use --data for other types).
    #[arg(long, value_name = "NAME=VALUE")]
    pub(crate) property: Vec<String>,
    #[command(flatten)]
    pub(crate) data: DataArg,
}

/// `events checkout` flags.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("fields").multiple(true).args([
    "cart_id", "email", "first_name", "last_name", "phone", "checkout_url", "created_at", "item",
])))]
pub(crate) struct CheckoutArgs {
    /// The cart's id.
    #[arg(long, required_unless_present = "data")]
    pub(crate) cart_id: Option<String>,
    /// The customer's email address.
    #[arg(long, required_unless_present = "data")]
    pub(crate) email: Option<String>,
    /// The customer's first name.
    #[arg(long)]
    pub(crate) first_name: Option<String>,
    /// The customer's last name.
    #[arg(long)]
    pub(crate) last_name: Option<String>,
    /// The customer's phone number.
    #[arg(long)]
    pub(crate) phone: Option<String>,
    /// Where the customer can resume the checkout.
    #[arg(long, required_unless_present = "data")]
    pub(crate) checkout_url: Option<String>,
    /// When the cart was created (ISO-8601).
    #[arg(long, required_unless_present = "data")]
    pub(crate) created_at: Option<String>,
    /// A cart item as SKU,NAME,QUANTITY,PRICE (repeatable; at least one).
    #[arg(
        long,
        value_name = "SKU,NAME,QTY,PRICE",
        required_unless_present = "data"
    )]
    pub(crate) item: Vec<String>,
    #[command(flatten)]
    pub(crate) data: DataArg,
}

/// `cocoonmail mail ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum MailCommand {
    /// Send a transactional email: a predefined one, a template, or your own content.
    #[command(
        after_help = "Examples:\n  cocoonmail mail send --transactional-id welcome-1 --to ada@example.com --param name=Ada\n  cocoonmail mail send --template-uuid 3f1c...  --sender hi@example.com --subject Hello --to ada@example.com\n  cocoonmail mail send --content-file body.html --sender hi@example.com --subject Hello --to ada@example.com\n  cocoonmail mail send --data mail.json"
    )]
    Send(MailSendArgs),
    /// Send an email without Cocoonmail keeping reports or analytics.
    #[command(
        name = "send-direct",
        after_help = "Example:\n  cocoonmail mail send-direct --sender hi@example.com --subject Hello --content '<p>Hi</p>' --to ada@example.com"
    )]
    SendDirect(MailSendDirectArgs),
    /// Read the team's email usage and quotas.
    #[command(after_help = "Example:\n  cocoonmail mail usage")]
    Usage,
    /// Read a sent email's delivery status by the message id of its send report.
    #[command(after_help = "Example:\n  cocoonmail mail status '<0b7c...@mail.cocoonmail.com>'")]
    Status(MessageIdArgs),
}

/// `mail send` flags.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("fields").multiple(true).args([
    "transactional_id", "template_uuid", "content", "content_file", "sender", "subject", "to",
    "cc", "reply_to", "param", "tag",
])))]
#[command(group(ArgGroup::new("mode").args(["transactional_id", "template_uuid", "content", "content_file"])))]
pub(crate) struct MailSendArgs {
    /// Send the predefined transactional email with this id.
    #[arg(long)]
    pub(crate) transactional_id: Option<String>,
    /// Send the custom template with this UUID (needs --sender and --subject).
    #[arg(long, requires_all = ["sender", "subject"])]
    pub(crate) template_uuid: Option<String>,
    /// Send this HTML or text (needs --sender and --subject).
    #[arg(long, requires_all = ["sender", "subject"])]
    pub(crate) content: Option<String>,
    /// Send the HTML or text of this file (needs --sender and --subject).
    #[arg(long, value_name = "FILE", requires_all = ["sender", "subject"])]
    pub(crate) content_file: Option<PathBuf>,
    /// The sender's address.
    #[arg(long)]
    pub(crate) sender: Option<String>,
    /// The subject.
    #[arg(long)]
    pub(crate) subject: Option<String>,
    #[command(flatten)]
    pub(crate) addressing: MailAddressing,
    /// A merge-tag value, NAME=VALUE (custom_parameter; repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    pub(crate) param: Vec<String>,
    /// A tag (repeatable).
    #[arg(long)]
    pub(crate) tag: Vec<String>,
    #[command(flatten)]
    pub(crate) data: DataArg,
}

/// `mail send-direct` flags.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("fields").multiple(true).args([
    "content", "content_file", "sender", "subject", "to", "cc", "reply_to",
])))]
#[command(group(ArgGroup::new("body").args(["content", "content_file"])))]
pub(crate) struct MailSendDirectArgs {
    /// The HTML or text to send.
    #[arg(long, required_unless_present_any = ["content_file", "data"])]
    pub(crate) content: Option<String>,
    /// Send the HTML or text of this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) content_file: Option<PathBuf>,
    /// The sender's address.
    #[arg(long, required_unless_present = "data")]
    pub(crate) sender: Option<String>,
    /// The subject.
    #[arg(long, required_unless_present = "data")]
    pub(crate) subject: Option<String>,
    #[command(flatten)]
    pub(crate) addressing: MailAddressing,
    #[command(flatten)]
    pub(crate) data: DataArg,
}

/// `--data FILE|-`: the whole request as JSON, instead of the field flags.
#[derive(Debug, Args)]
pub(crate) struct DataArg {
    /// The whole request as JSON in the wire's shape (field names as the API documents
    /// them), from FILE or `-` for stdin, instead of the field flags.
    #[arg(
        id = "data",
        long = "data",
        value_name = "FILE",
        conflicts_with = "fields"
    )]
    pub(crate) file: Option<PathBuf>,
}

/// Who an email goes to.
#[derive(Debug, Args)]
pub(crate) struct MailAddressing {
    /// A recipient's address (repeatable; at least one).
    #[arg(long, required_unless_present = "data")]
    pub(crate) to: Vec<String>,
    /// A copy to this address (repeatable).
    #[arg(long)]
    pub(crate) cc: Vec<String>,
    /// The reply-to address.
    #[arg(long)]
    pub(crate) reply_to: Option<String>,
}

/// A message id.
#[derive(Debug, Args)]
pub(crate) struct MessageIdArgs {
    /// The message id, from the send's report.
    pub(crate) message_id: String,
}

/// `cocoonmail verify EMAIL`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The address to verify.
    pub(crate) email: String,
}

/// `cocoonmail whatsapp ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum WhatsAppCommand {
    /// Send a WhatsApp template or text message.
    #[command(
        after_help = "Examples:\n  cocoonmail whatsapp send --from +15550100 --to +447700900123 --template order_update --language en\n  cocoonmail whatsapp send --from +15550100 --to +447700900123 --text 'Your order shipped'\n  cocoonmail whatsapp send --data message.json"
    )]
    Send(WhatsAppSendArgs),
    /// Read a WhatsApp message's status by its message id.
    #[command(after_help = "Example:\n  cocoonmail whatsapp status wamid.HBgM...")]
    Status(MessageIdArgs),
}

/// `whatsapp send` flags.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("fields").multiple(true).args([
    "from", "to", "template", "language", "text", "variable", "tag",
])))]
#[command(group(ArgGroup::new("message").args(["template", "text"])))]
pub(crate) struct WhatsAppSendArgs {
    /// The sending WhatsApp number.
    #[arg(long, required_unless_present = "data")]
    pub(crate) from: Option<String>,
    /// A recipient's WhatsApp number (repeatable; at least one).
    #[arg(long, required_unless_present = "data")]
    pub(crate) to: Vec<String>,
    /// Send this approved template (needs --language).
    #[arg(long, requires = "language", required_unless_present_any = ["text", "data"])]
    pub(crate) template: Option<String>,
    /// The template's language code, e.g. en or en_US.
    #[arg(long, requires = "template")]
    pub(crate) language: Option<String>,
    /// Send this text.
    #[arg(long)]
    pub(crate) text: Option<String>,
    /// A template variable, NAME=VALUE (parameterized_variables; repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    pub(crate) variable: Vec<String>,
    /// A tag (repeatable).
    #[arg(long)]
    pub(crate) tag: Vec<String>,
    #[command(flatten)]
    pub(crate) data: DataArg,
}

/// `cocoonmail otp ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum OtpCommand {
    /// Send a one-time password through a template, by email or by WhatsApp.
    #[command(
        after_help = "Examples:\n  cocoonmail otp send --template-uuid 7d1e5c2a-0000-4000-8000-000000000001 --email ada@example.com --code 004217\n  cocoonmail otp send --template-uuid 7d1e5c2a-0000-4000-8000-000000000001 --whatsapp +447700900123 --code 4217"
    )]
    Send(OtpSendArgs),
}

/// `otp send` flags.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("fields").multiple(true).args([
    "template_uuid", "email", "whatsapp", "code", "subject", "email_sender", "whatsapp_sender",
])))]
#[command(group(ArgGroup::new("channel").args(["email", "whatsapp"])))]
pub(crate) struct OtpSendArgs {
    /// The OTP template's UUID.
    #[arg(long, required_unless_present = "data")]
    pub(crate) template_uuid: Option<String>,
    /// Send by email to this address (repeatable).
    #[arg(long, required_unless_present_any = ["whatsapp", "data"])]
    pub(crate) email: Vec<String>,
    /// Send by WhatsApp to this number (repeatable).
    #[arg(long)]
    pub(crate) whatsapp: Vec<String>,
    /// The code: digits only; leading zeros are kept.
    #[arg(long, required_unless_present = "data")]
    pub(crate) code: Option<String>,
    /// The email subject.
    #[arg(long)]
    pub(crate) subject: Option<String>,
    /// The sending email address.
    #[arg(long)]
    pub(crate) email_sender: Option<String>,
    /// The sending WhatsApp number.
    #[arg(long)]
    pub(crate) whatsapp_sender: Option<String>,
    #[command(flatten)]
    pub(crate) data: DataArg,
}

/// `cocoonmail import ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum ImportCommand {
    /// Upsert contacts from a file (create with --create-only).
    #[command(
        long_about = CONTACTS_IMPORT_HELP,
        after_help = "Examples:\n  cocoonmail import contacts contacts.csv --dry-run\n  cocoonmail import contacts contacts.csv --failures failed.csv\n  cocoonmail import contacts failed.csv           # after fixing the failed rows\n  cat contacts.jsonl | cocoonmail import contacts - --format jsonl --journal contacts.journal"
    )]
    Contacts(ImportArgs),
    /// Send events from a file.
    #[command(
        long_about = EVENTS_IMPORT_HELP,
        after_help = "Examples:\n  cocoonmail import events events.csv --dry-run\n  cocoonmail import events events.csv --failures failed.csv\n  cocoonmail import events events.csv --resume\n  cocoonmail import events events.csv --resume --resend-uncertain"
    )]
    Events(ImportArgs),
}

const CONTACTS_IMPORT_HELP: &str = "\
Upsert contacts from a CSV file with a header row, or a JSON-lines file (one object a line).

Columns: email, firstName, lastName, userGroup, userId, source, subscribed (true/false,
yes/no, 1/0), mailingLists (list ids separated by `;`, each subscribed). Every other column is
a custom property, converted by the type of the account's custom field of that name (number,
boolean, date as YYYY-MM-DD[ HH:MM[:SS]] or Unix milliseconds); a column that is no custom
field of the account is refused. An empty cell (or null) leaves the field as it is: an import
never clears anything.

Every row is checked before anything is sent; each bad row is reported as `line N: reason`.
Rows are written with the upsert (contacts update), so running an import twice is harmless;
--create-only uses create and counts contacts that already exist as skipped.

The journal (FILE.journal unless --journal) records each row before it is sent and after it
is answered. Ctrl-C stops taking rows, lets the requests in flight finish and prints the
command that resumes; --resume skips the rows already done. A row that was sent but never
answered (the process was killed) is sent again: an upsert is safe to repeat.";

const EVENTS_IMPORT_HELP: &str = "\
Send events from a CSV file with a header row, or a JSON-lines file (one object a line).

Columns: event_name (or eventName), email, event_attribute (optional); every other column
is sent as a further property of the event (CSV cells as text, JSON values as they are). A
userId column is sent as a property: the event API needs the contact's email. An empty cell
(or null) is left out.

Every row is checked before anything is sent; each bad row is reported as `line N: reason`.
The journal (FILE.journal unless --journal) records each row before it is sent and after it
is answered. Ctrl-C stops taking rows, lets the requests in flight finish and prints the
command that resumes; --resume skips the rows already done. A row that was sent but never
answered (the process was killed) is uncertain: it may have arrived, so it is NOT sent again
unless --resend-uncertain; the uncertain rows are listed.";

/// What both imports take.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The CSV or JSON-lines file, or `-` for stdin.
    pub(crate) file: PathBuf,
    /// The file's format (default: by extension: .jsonl, .ndjson and .json are JSON lines,
    /// anything else CSV).
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,
    /// Check every row and stop: nothing is sent, no journal is written.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Write the rows that failed (their columns and a `reason` column) to this CSV file,
    /// ready to fix and import again.
    #[arg(long, value_name = "OUT.csv")]
    pub(crate) failures: Option<PathBuf>,
    /// The journal file (default: the input's path + `.journal`; stdin has no default).
    #[arg(long, value_name = "PATH")]
    pub(crate) journal: Option<PathBuf>,
    /// Continue the import its journal describes, skipping the rows already done.
    #[arg(long)]
    pub(crate) resume: bool,
    /// Contacts: create instead of upsert; contacts that already exist are skipped.
    #[arg(long)]
    pub(crate) create_only: bool,
    /// Events: on --resume, send again the rows sent but never answered (they may arrive
    /// twice).
    #[arg(long, requires = "resume")]
    pub(crate) resend_uncertain: bool,
    /// Requests in flight at once (default 4).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) concurrency: u16,
    /// No progress bar or progress lines.
    #[arg(long)]
    pub(crate) no_progress: bool,
}

/// An import file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// JSON lines: one JSON object a line.
    Jsonl,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_an_example() {
        fn visit(cmd: &clap::Command, path: &str) {
            let path = format!("{path} {}", cmd.get_name());
            if cmd.get_name() != "help" {
                let after = cmd
                    .get_after_help()
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                assert!(after.contains("cocoonmail"), "{path} has no example");
            }
            for sub in cmd.get_subcommands() {
                visit(sub, &path);
            }
        }
        visit(&Cli::command(), "");
    }
}
