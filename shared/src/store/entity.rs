//! One trait per stored entity, in the spirit of neoeinstein/modyne's `Entity`: the value of
//! an item's `entity` attribute and how its primary key is built are each said once, on the
//! type the item is read into, so no call site assembles a key or names a type by hand.

use super::keys::Key;

/// A kind of item in the table.
pub trait Entity {
    /// The value of the item's `entity` attribute (a console reader tells items apart by it).
    const NAME: &'static str;

    /// What picks one item of this kind out of the table: typed ids, never key strings.
    type KeyInput<'a>;

    /// The item's primary key.
    fn key(input: Self::KeyInput<'_>) -> Key;
}
