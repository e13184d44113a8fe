/** Topic name rules, as Kafka enforces them (Topic.validate). */
const legal = /^[a-zA-Z0-9._-]+$/;
export const topicNameLengthMax = 249;

/** The reason a name is not a legal topic name, or null when it is. */
export function topicNameError(name: string): string | null {
  if (name.length === 0) return "Topic name is illegal, it can't be empty";
  if (name === "." || name === "..") return 'Topic name cannot be "." or ".."';
  if (name.length > topicNameLengthMax) {
    return `Topic name is illegal, it can't be longer than ${topicNameLengthMax} characters, topic name: ${name}`;
  }
  if (!legal.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

/** Kafka's internal topics, reported with is_internal = true. */
export function isInternalTopic(name: string): boolean {
  return name === "__consumer_offsets" || name === "__transaction_state";
}
