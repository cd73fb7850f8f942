// An IQ answered with type 'error' (RFC 6120 §8.3), as sessions see it.
import type { Element } from '@xmpp/xml';
import { Xep65Error, type ErrorCode } from '../errors.js';
import { parseError, type StanzaErrorInfo } from './stanza-error.js';

export class IqError extends Xep65Error {
  readonly from: string;
  readonly info: StanzaErrorInfo;
  constructor(from: string, info: StanzaErrorInfo, code: ErrorCode = 'protocol') {
    const text = info.text ? ` (${info.text})` : '';
    super(code, `${from} answered ${info.condition}${text}`);
    this.name = 'IqError';
    this.from = from;
    this.info = info;
  }

  static fromStanza(iq: Element): IqError {
    return new IqError(String(iq.attrs.from ?? ''), parseError(iq));
  }

  get condition(): string {
    return this.info.condition;
  }
}
