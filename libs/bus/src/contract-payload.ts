import { type PipeTransform } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { type AnyContract, DomainException } from '@jchat/contracts';

/** Most problems one error reply lists. */
const MAX_PROBLEMS = 10;

/**
 * Validates a handler's payload against its contract's request DTO: unknown properties are
 * refused, values of the wrong shape too, each named in one `invalid_argument` reply
 * ("messaging.receipt.delivered.v1: userId must be an id (a UUID)").
 */
export class ContractPayloadPipe implements PipeTransform<unknown, unknown> {
  constructor(private readonly contract: AnyContract) {}

  transform(value: unknown): unknown {
    const dto = this.contract.request;
    if (!dto) return value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DomainException('invalid_argument', `${this.contract.subject}: not an object`);
    }
    const request = plainToInstance(dto, value) as object;
    const errors = validateSync(request, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length > 0) {
      const problems = errors.flatMap((error) => describe(error, ''));
      throw new DomainException(
        'invalid_argument',
        `${this.contract.subject}: ${problems.slice(0, MAX_PROBLEMS).join('; ')}`,
      );
    }
    return request;
  }
}

function describe(error: ValidationError, prefix: string): string[] {
  const path = `${prefix}${error.property}`;
  const own = Object.values(error.constraints ?? {}).map((message) =>
    message.startsWith(error.property) ? `${path}${message.slice(error.property.length)}` : message,
  );
  return [...own, ...(error.children ?? []).flatMap((child) => describe(child, `${path}.`))];
}

/** `@ContractPayload(Subjects.thing)`: the handler's payload, validated against the contract. */
export function ContractPayload(contract: AnyContract): ParameterDecorator {
  return Payload(new ContractPayloadPipe(contract));
}
