"""Pure metric functions over long annotation frames and item x label count matrices."""
