// What a use case needs to log in; the CLI fills it from flags, environment and prompts.
export type { AccountOptions } from '../xmpp/connect-account.js';
