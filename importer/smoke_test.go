package importer_test

import (
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/importer"
)

func TestSmokeClients(t *testing.T) {
	e := newEnv(t)
	text := "\ufeffТелефон;ФИО;Согласие на рассылку;Примечание\n8 (912) 345-67-89;Иванов Иван;да;x\n+7 912 345 67 90;\"Петрова\nАнна\";нет;\n89123456789;Дубль;;\n12345;Плохой;;\n"
	rep := e.run(t, "c.csv", text, importer.Options{Kind: importer.KindClients})
	t.Log(render(rep))
	t.Log(e.dump(t, dumpClients))
	rep = e.run(t, "c.csv", text, importer.Options{Kind: importer.KindClients})
	t.Log(render(rep))
}

func TestSmokeVehiclesCatalogUndo(t *testing.T) {
	e := newEnv(t)
	e.run(t, "c.csv", "Телефон;ФИО\n89123456789;Иван\n89123456790;Анна\n", importer.Options{Kind: importer.KindClients})
	veh := "Телефон,Госномер,VIN,Марка,Модель,Год,Пробег,Дата последнего визита\n" +
		"89123456789,a123bc77,XTA21099012345678,Lada,2109,2001,120 000,03.12.2025\n" +
		"89123456790,А124ВС 77,,Kia,Rio,2015,,2025-01-05\n" +
		"89123456791,В125ВС77,,Kia,Rio,2015,,\n" +
		"89123456789,A123BC77,,Lada,,,,\n" +
		"89123456790,X1,BADVIN,,,,,\n"
	rep := e.run(t, "v.csv", veh, importer.Options{Kind: importer.KindVehicles})
	t.Log(render(rep))
	t.Log(e.dump(t, dumpVehicles))
	rep = e.run(t, "v.csv", veh, importer.Options{Kind: importer.KindVehicles})
	t.Log(render(rep))
	cat := "Артикул;Тип;Наименование;Ед.;Цена;Остаток;Мин. остаток;Нормо-часы\n" +
		"OIL-1;товар;Масло 5W-30;л;1 500,50;10;2;\n" +
		"SRV-1;услуга;Замена масла;;1 200 ₽;;;1,5\n" +
		"oil-1;товар;Масло;л;1;1;;\n" +
		";;Без цены;;;;;\n"
	rep = e.run(t, "k.csv", cat, importer.Options{Kind: importer.KindCatalog})
	t.Log(render(rep))
	t.Log(e.dump(t, dumpItems))
	rep2 := e.run(t, "k.csv", cat, importer.Options{Kind: importer.KindCatalog})
	t.Log(render(rep2))
	if err := importer.Undo(e.ctx, e.svc, crm.Actor{}, rep.BatchID); err != nil {
		t.Fatal(err)
	}
	t.Log(e.dump(t, dumpItems))
}
