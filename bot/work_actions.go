package bot

// Button actions of order work, the catalog and stock (issue 4). Like the others they are one
// letter; buttons carry ids, a version (the order's, the estimate's, or a dialog's nonce) and a
// short argument, never names, so long Russian item names cannot push callback data over 64
// bytes. Every press is authorised again on the server.
const (
	// Catalog; Version is the catalog dialog's nonce.
	actCatalogPage action = "C" // ID: page
	actItem        action = "i" // ID: item
	actItemAdd     action = "K" // Arg: s (service) or p (part)
	actItemEdit    action = "u" // ID: item, Arg: field
	actReceiveItem action = "z" // ID: item: receive goods of it

	// Order work; ID is the order, Version the order version the view showed.
	actWork         action = "W" // the work view; Arg: page
	actLineAdd      action = "A" // Arg: l (labour), p (part), f (free text)
	actLinePick     action = "I" // Arg: catalog item id
	actLineSearchPg action = "p" // Arg: page of the search
	actLine         action = "L" // Arg: line id: the line's menu
	actLineQty      action = "Q" // Arg: line id
	actLinePrice    action = "P" // Arg: line id
	actLineRemove   action = "D" // Arg: line id
	actNeedPart     action = "N" // Arg: line id
	actSendEstimate action = "E"
	actRecordMenu   action = "R" // Arg: p (phone) or i (in person)
	actDiscount     action = "S"
	actPayMenu      action = "Y"
	actPay          action = "y" // Arg: c (cash), k (card), t (transfer), r (refund)
	actHistory      action = "H"
	actDoc          action = "O"
	actCorrect      action = "X" // Arg: line id: correct its price on the invoice

	// Decisions on an estimate; ID is the order, Version the ESTIMATE version the card showed.
	actDecide  action = "d" // by the client; Arg: "<line id>_<a|d|l>", line 0 = every pending line
	actRecord  action = "g" // by a manager; Arg: "<line id>_<a|d|l>_<p|i>"
	actEstPage action = "o" // Arg: page of the client's card

	// Staff dialogs; Version is the dialog's nonce.
	actNewOrder action = "j" // /new: Arg: car, slot, noslot, ok, no; ID: vehicle id or slot
	actQty      action = "q" // ID: a quantity in thousandths
)
