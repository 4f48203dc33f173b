/**
 * Text made of literal words (ours) and values (the alert's, untrusted). Keeping
 * them apart until blocks/ renders them is what lets every value be escaped exactly
 * once, at the last moment, whatever sentence it ends up in.
 */
export type Segment =
  string | { value: string } | { prose: string } | { user: string } | { userName: string };
export type RichText = Segment[];

export interface Fact {
  label: string;
  value: RichText;
}
